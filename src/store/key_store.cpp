#include "store/key_store.h"

#include <filesystem>
#include <string>

#include "store/pg_key_store.h"
#include "store/sqlite_key_store.h"

namespace igw {

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
