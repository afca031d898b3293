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

// Records buffered per worker while the database is unreachable; beyond it the oldest are
// dropped (and counted in the log) rather than letting memory grow without bound.
constexpr size_t kMaxBufferedPerWorker = 200000;
constexpr size_t kDrainBatch = 2000;
// A batch vector up to this many records is kept for reuse; a larger one (after an outage) is
// freed.
constexpr size_t kKeptCapacity = 16384;

struct Buffer {
  std::mutex mu;  // this worker and the writer thread only
  std::vector<SpendRecord> items;
  uint64_t dropped = 0;
  // The writer's previous batch, emptied and handed back on its next swap: the worker appends
  // into capacity that is already there instead of growing a new vector each interval.
  std::vector<SpendRecord> spare;
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

  uint64_t next_record = 0;   // the writer thread's: numbers records taken without an id
  std::string record_prefix;  // replica + "-w-"

  void writeBatch(std::chrono::milliseconds interval, SharedLimiter* shared) {
    LimitsStore ls(*store);
    std::vector<SpendRecord> batch;
    Buffer* origin = nullptr;  // the buffer whose vector `batch` is
    for (auto& b : buffers) {
      uint64_t dropped = 0;
      {
        std::lock_guard lock(b->mu);
        if (batch.empty()) {
          if (!b->items.empty()) origin = b.get();
          batch.swap(b->items);
          b->items.swap(b->spare);  // empty, with the capacity of an earlier batch
        } else {
          batch.insert(batch.end(), std::make_move_iterator(b->items.begin()),
                       std::make_move_iterator(b->items.end()));
          b->items.clear();
        }
        std::swap(dropped, b->dropped);
      }
      if (dropped > 0) {
        log.error("spend log buffer full: records dropped",
                  {{"dropped", static_cast<int64_t>(dropped)}});
      }
    }
    if (!batch.empty()) {
      if (record_prefix.empty()) record_prefix = replica + "-w-";
      char digits[24];
      for (SpendRecord& r : batch) {
        if (!r.id.empty()) continue;
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++next_record);
        r.id.reserve(record_prefix.size() + static_cast<size_t>(end - digits));
        r.id.append(record_prefix).append(digits, end);
      }
      if (Status s = ls.appendSpend(batch); !s) {
        log.warn("writing the spend log failed; will retry",
                 {{"error", s.message()}, {"records", static_cast<int64_t>(batch.size())}});
        // Back into the first buffer, in front of newer records.
        std::lock_guard lock(buffers[0]->mu);
        auto& items = buffers[0]->items;
        if (batch.size() + items.size() <= kMaxBufferedPerWorker * buffers.size()) {
          items.insert(items.begin(), std::make_move_iterator(batch.begin()),
                       std::make_move_iterator(batch.end()));
        } else {
          buffers[0]->dropped += batch.size();
        }
      } else if (origin != nullptr && batch.capacity() <= kKeptCapacity) {
        batch.clear();
        std::lock_guard lock(origin->mu);
        if (origin->spare.capacity() < batch.capacity()) origin->spare.swap(batch);
      }
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

void LimitsService::record(SpendRecord r, unsigned worker) {
  Impl& s = *impl_;
  if (worker >= s.buffers.size()) worker = 0;
  Buffer& b = *s.buffers[worker];
  std::lock_guard lock(b.mu);
  if (b.items.size() >= kMaxBufferedPerWorker) {
    ++b.dropped;
    return;
  }
  b.items.push_back(std::move(r));
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
