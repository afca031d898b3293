#include "limits/limits_service.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/ids.h"
#include "store/key_store.h"

namespace igw {
namespace {

// Records buffered per worker while the database is unreachable; beyond it the newest are
// dropped (and counted in the log) rather than letting memory grow without bound.
constexpr size_t kMaxBufferedPerWorker = 200000;
constexpr size_t kMaxBufferedTextPerWorker = size_t{64} << 20;  // bytes; offsets are 32-bit
constexpr size_t kDrainBatch = 2000;
// A batch's memory is kept for the next swap while the batches fill at least a quarter of it
// (steady traffic: about 128 bytes a record plus its text), up to this many records (and 256
// bytes of text each); after a burst or an outage, or when traffic stops, it is freed.
constexpr size_t kKeptRecords = 65536;

// A buffered record: its numbers, and its text as spans of the buffer's text.
struct Span {
  uint32_t at = 0, size = 0;
};
struct Entry {
  Span id, request_id, key_id, team, caller, provider, model;
  int64_t ts_ms = 0;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, reasoning_tokens = 0;
  int64_t cost_nano = 0;
  int64_t latency_ms = 0;
  int status = 0;
};

// Records and the text they point into. Workers append; the writer swaps a whole batch out for
// an empty one whose memory is already there, so a record costs a worker no allocation and the
// writer frees nothing a worker allocated (glibc's per-thread caches stay with their thread).
struct Batch {
  std::vector<Entry> entries;
  std::string text;

  void clear() {
    const size_t cap = entries.capacity();
    if (cap > kKeptRecords || text.capacity() > kKeptRecords * 256 ||
        (cap > 1024 && entries.size() < cap / 4)) {
      std::vector<Entry>().swap(entries);
      std::string().swap(text);
    }
    entries.clear();
    text.clear();
  }
  Span add(std::string_view v) {
    Span sp{static_cast<uint32_t>(text.size()), static_cast<uint32_t>(v.size())};
    text.append(v);
    return sp;
  }
  std::string_view at(Span sp) const { return {text.data() + sp.at, sp.size}; }
};

struct Buffer {
  std::mutex mu;  // this worker and the writer thread only
  Batch batch;
  uint64_t dropped = 0;
};

struct WorkerSeen {
  std::unordered_set<std::string> unpriced;  // models this worker already reported
  uint64_t next_id = 0;
  // The last model this worker priced: a request asks twice (admission, settlement), and
  // consecutive requests mostly name the same model.
  std::string last_provider, last_model;
  const ModelPrice* last_price = nullptr;
  bool has_last = false;
  std::string id_prefix;  // replica + "-" + worker + "-"
};

}  // namespace

struct LimitsService::Impl {
  Impl(const Config& config, const Logger& log, unsigned workers)
      : database_url(config.auth.database_url), log(log), buffers(workers), seen(workers) {
    for (auto& b : buffers) b = std::make_unique<Buffer>();
    // A replica prefix for ids: random, so two replicas (or restarts) never collide.
    replica = IdGenerator().hex(6);
  }

  std::string database_url;
  Logger log;
  PriceTable prices;
  std::vector<std::unique_ptr<Buffer>> buffers;
  std::vector<WorkerSeen> seen;  // by worker
  std::string replica;

  std::mutex unpriced_mu;  // only when a worker meets a model it has not reported yet
  std::unordered_set<std::string> unpriced;

  std::unique_ptr<KeyStore> store;
  std::thread writer;
  std::mutex writer_mu;
  std::condition_variable writer_cv;
  bool stopping = false;

  // The writer thread's: the batches taken from the workers (by worker), their records as rows
  // and the ids it numbered them with. Kept until written; while they wait (the database is
  // down) nothing more is taken, so the workers' buffers bound the memory.
  std::vector<Batch> taken;
  std::vector<SpendRow> rows;
  std::string ids;
  uint64_t next_record = 0;
  std::string record_prefix;  // replica + "-w-"

  // Takes every worker's records and numbers those without an id.
  void take() {
    taken.resize(buffers.size());
    size_t unnumbered = 0;
    for (size_t i = 0; i < buffers.size(); ++i) {
      Buffer& b = *buffers[i];
      uint64_t dropped = 0;
      {
        std::lock_guard lock(b.mu);
        b.batch.entries.swap(taken[i].entries);
        b.batch.text.swap(taken[i].text);
        std::swap(dropped, b.dropped);
      }
      if (dropped > 0) {
        log.error("spend log buffer full: records dropped",
                  {{"dropped", static_cast<int64_t>(dropped)}});
      }
      for (const Entry& e : taken[i].entries) unnumbered += e.id.size == 0 ? 1 : 0;
    }
    if (record_prefix.empty()) record_prefix = replica + "-w-";
    ids.clear();
    ids.reserve(unnumbered * (record_prefix.size() + 20));  // no reallocation: views below
    rows.clear();
    for (const Batch& t : taken) {
      for (const Entry& e : t.entries) {
        SpendRow r;
        copySpend(e, r, [&t](Span sp) { return t.at(sp); });
        if (e.id.size == 0) {
          char digits[24];
          auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++next_record);
          const size_t at = ids.size();
          ids.append(record_prefix).append(digits, end);
          r.id = std::string_view(ids.data() + at, ids.size() - at);
        }
        rows.push_back(r);
      }
    }
  }

  void writeBatch(std::chrono::milliseconds interval, SharedLimiter* shared) {
    LimitsStore ls(*store);
    // A batch that failed before is written first; once it is in, the newer records follow.
    for (int pass = 0; pass < 2; ++pass) {
      const bool retry = !rows.empty();
      if (!retry) take();
      if (rows.empty()) break;
      if (Status s = ls.appendSpend(std::span<const SpendRow>(rows)); !s) {
        log.warn("writing the spend log failed; will retry",
                 {{"error", s.message()}, {"records", static_cast<int64_t>(rows.size())}});
        break;
      }
      rows.clear();
      for (Batch& t : taken) t.clear();
      if (!retry) break;
    }
    if (shared != nullptr) {
      // Drain the shared journal until it is empty or the interval is used up.
      const auto until = std::chrono::steady_clock::now() + interval;
      while (std::chrono::steady_clock::now() < until) {
        auto moved = shared->drainJournal(ls, kDrainBatch);
        if (!moved) {
          log.warn("draining the shared spend journal failed",
                   {{"error", moved.status().message()}});
          break;
        }
        if (*moved < kDrainBatch) break;
      }
    }
  }
};

LimitsService::LimitsService(const Config& config, const Logger& log, unsigned workers)
    : cfg_(config.spend), impl_(std::make_unique<Impl>(config, log, workers)) {}

LimitsService::~LimitsService() {
  stop();
}

Status LimitsService::start() {
  Impl& s = *impl_;
  auto prices = PriceTable::builtin();
  if (!prices) return internalError("built-in price table: " + prices.status().message());
  s.prices = std::move(prices).value();
  if (!cfg_.model_prices_path.empty()) {
    if (Status st = s.prices.overlayFile(cfg_.model_prices_path); !st) {
      return invalidArgument("MODEL_PRICES_PATH: " + st.message());
    }
  }
  auto store = KeyStore::open(s.database_url);
  if (!store) return internalError("DATABASE_URL (spend log): " + store.status().message());
  s.store = std::move(store).value();
  if (!cfg_.redis_url.empty()) {
    auto shared = makeRedisLimiter(cfg_, s.log, static_cast<unsigned>(s.buffers.size()));
    if (!shared) return shared.status();
    shared_ = std::move(shared).value();
  }
  s.writer = std::thread([this] {
    Impl& s = *impl_;
    const auto interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.spend_flush_interval);
    std::unique_lock lock(s.writer_mu);
    while (!s.stopping) {
      s.writer_cv.wait_for(lock, interval, [&] { return s.stopping; });
      lock.unlock();
      s.writeBatch(interval, shared_.get());
      lock.lock();
    }
  });
  return Status::ok();
}

void LimitsService::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.writer_mu);
    if (s.stopping) return;
    s.stopping = true;
  }
  s.writer_cv.notify_all();
  if (s.writer.joinable()) s.writer.join();
  if (s.store) s.writeBatch(std::chrono::milliseconds(2000), shared_.get());
  if (shared_) shared_->shutdown();
}

const ModelPrice* LimitsService::price(std::string_view provider, std::string_view model,
                                       unsigned worker) {
  Impl& s = *impl_;
  if (model.empty()) return nullptr;  // /proxy calls that name no model: nothing to price
  if (worker < s.seen.size()) {
    WorkerSeen& w = s.seen[worker];
    if (w.has_last && w.last_model == model && w.last_provider == provider) return w.last_price;
  }
  const ModelPrice* p = s.prices.find(provider, model);
  if (worker < s.seen.size()) {
    WorkerSeen& w = s.seen[worker];
    w.last_provider.assign(provider);
    w.last_model.assign(model);
    w.last_price = p;
    w.has_last = true;
  }
  if (p != nullptr || worker >= s.seen.size()) return p;
  std::string name = std::string(provider) + "/" + std::string(model);
  auto& local = s.seen[worker].unpriced;
  if (local.size() < 10000 && local.insert(name).second) {
    bool first = false;
    {
      std::lock_guard lock(s.unpriced_mu);
      if (s.unpriced.size() < 10000) first = s.unpriced.insert(name).second;
    }
    if (first) {
      s.log.warn(
          "model has no price: its tokens are counted but cost nothing (add it to "
          "MODEL_PRICES_PATH)",
          {{"model", name}});
    }
  }
  return nullptr;
}

void LimitsService::record(const SpendRow& r, unsigned worker) {
  Impl& s = *impl_;
  if (worker >= s.buffers.size()) worker = 0;
  Buffer& b = *s.buffers[worker];
  std::lock_guard lock(b.mu);
  Batch& batch = b.batch;
  const size_t text = r.id.size() + r.request_id.size() + r.key_id.size() + r.team.size() +
                      r.caller.size() + r.provider.size() + r.model.size();
  if (batch.entries.size() >= kMaxBufferedPerWorker ||
      batch.text.size() + text > kMaxBufferedTextPerWorker) {
    ++b.dropped;
    return;
  }
  Entry e;
  copySpend(r, e, [&batch](std::string_view v) { return batch.add(v); });
  batch.entries.push_back(e);
}

std::string LimitsService::newId(unsigned worker) {
  Impl& s = *impl_;
  if (worker >= s.seen.size()) worker = 0;
  WorkerSeen& w = s.seen[worker];
  if (w.id_prefix.empty()) w.id_prefix = s.replica + "-" + std::to_string(worker) + "-";
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++w.next_id);
  std::string id;
  id.reserve(w.id_prefix.size() + static_cast<size_t>(end - digits));
  id.append(w.id_prefix).append(digits, end);
  return id;
}

}  // namespace igw
