#include "store/key_store.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include "store/pg_key_store.h"
#include "store/sqlite_key_store.h"

namespace igw {

Result<int64_t> SqlRunner::insertMany(const BulkInsert& b) {
  constexpr size_t kRowsPerStatement = 64;
  const size_t ncol = b.columns.size();
  std::string head = "INSERT INTO " + std::string(b.table) + " (";
  for (size_t c = 0; c < ncol; ++c) {
    if (c > 0) head += ", ";
    head += b.columns[c];
  }
  head += ") VALUES ";
  std::vector<SqlCell> cells(ncol);
  int64_t inserted = 0;
  for (size_t at = 0; at < b.rows; at += kRowsPerStatement) {
    const size_t n = std::min(kRowsPerStatement, b.rows - at);
    std::string sql = head;
    std::vector<SqlValue> params;
    params.reserve(n * ncol);
    for (size_t i = 0; i < n; ++i) {
      sql += i == 0 ? "(" : ", (";
      for (size_t c = 0; c < ncol; ++c) {
        sql += (c == 0 ? "$" : ", $") + std::to_string(i * ncol + c + 1);
      }
      sql += ")";
      b.fill(at + i, cells);
      for (const SqlCell& cell : cells) {
        params.emplace_back(cell.is_text ? std::string(cell.text) : std::to_string(cell.integer));
      }
    }
    if (!b.on_conflict.empty()) {
      sql += ' ';
      sql += b.on_conflict;
    }
    auto res = run(sql, params);
    if (!res) return res.status();
    inserted += res->changed;
  }
  return inserted;
}

Result<std::unique_ptr<KeyStore>> KeyStore::open(std::string_view url) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return PgKeyStore::open(url);
  }
  std::string_view path = url;
  if (path.starts_with("sqlite://")) {
    path.remove_prefix(9);
  } else if (path.starts_with("sqlite:")) {
    path.remove_prefix(7);
  } else if (path.find("://") != std::string_view::npos) {
    return invalidArgument(
        "unsupported database URL scheme (use postgres://, sqlite:// or a path)");
  }
  if (path.empty()) return invalidArgument("the SQLite database URL names no file");
  return SqliteKeyStore::open(std::string(path));
}

}  // namespace igw
