#include "process_group.h"

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <utility>

#if CASM_WITH_DISTRIBUTED
// ProcessGroupGloo.hpp declares nothing unless this is set (LibTorch's own builds set it).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if CASM_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace casm::dist {

std::vector<std::string> backends() {
  std::vector<std::string> out;
#if CASM_WITH_DISTRIBUTED
  out.push_back("gloo");
#if CASM_WITH_NCCL
  out.push_back("nccl");
#endif
#endif
  return out;
}

#if CASM_WITH_DISTRIBUTED

static std::string where(const GroupOptions& o) {
  return "rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size);
}

namespace {

// DDP's default bucket size: large enough to amortise a collective's latency, small enough that
// the flat copy stays cheap next to the gradients themselves.
constexpr int64_t kBucketBytes = int64_t{25} << 20;

struct Bucket {
  std::vector<torch::Tensor> members;
  int64_t bytes = 0;
  torch::Tensor flat;
};

// Consecutive tensors of one dtype and device share a bucket until it is full.
std::vector<Bucket> make_buckets(const std::vector<torch::Tensor>& tensors) {
  std::vector<Bucket> out;
  std::map<std::string, size_t> open;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    const std::string key = std::string(c10::toString(t.scalar_type())) + "@" + t.device().str();
    auto it = open.find(key);
    const int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
    if (it == open.end() || (out[it->second].bytes > 0 && out[it->second].bytes + bytes > kBucketBytes)) {
      out.emplace_back();
      open[key] = out.size() - 1;
      it = open.find(key);
    }
    out[it->second].members.push_back(t);
    out[it->second].bytes += bytes;
  }
  torch::NoGradGuard no_grad;
  for (auto& b : out) {
    std::vector<torch::Tensor> parts;
    for (auto& t : b.members) parts.push_back(t.detach().reshape({-1}));
    b.flat = torch::cat(parts).contiguous();
  }
  return out;
}

void unpack(std::vector<Bucket>& buckets) {
  torch::NoGradGuard no_grad;
  for (auto& b : buckets) {
    int64_t offset = 0;
    for (auto& t : b.members) {
      t.copy_(b.flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

std::string message_of(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

bool is_loopback(const std::string& addr) { return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1"; }

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#if CASM_WITH_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  torch::Device device{torch::kCPU};

  // The concrete group: the two backends share no base class name across LibTorch 1.13
  // (ProcessGroup) and 2.x (Backend), so calls go through this instead.
  template <typename F>
  auto with_group(F&& f) {
#if CASM_WITH_NCCL
    if (nccl) return f(*nccl);
#endif
    return f(*gloo);
  }
};

ProcessGroup::ProcessGroup(const GroupOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {}
ProcessGroup::~ProcessGroup() {
  // The group talks through the store's peers: it goes first.
  if (impl_) {
    impl_->gloo.reset();
#if CASM_WITH_NCCL
    impl_->nccl.reset();
#endif
    impl_->store.reset();
  }
}

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const GroupOptions& o) {
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size)
    throw std::invalid_argument("rank must be in 0..worldSize-1, got rank " + std::to_string(o.rank) + " of " +
                                std::to_string(o.world_size));
  if (o.master_port < 1 || o.master_port > 65535) throw std::invalid_argument("masterPort must be in 1..65535");
  if (o.backend != "gloo" && o.backend != "nccl") throw std::invalid_argument("backend must be 'gloo' or 'nccl'");
#if !CASM_WITH_NCCL
  if (o.backend == "nccl")
    throw std::runtime_error(
        "this build of casm-native has no NCCL support (its LibTorch has no CUDA or no ProcessGroupNCCL); use --device "
        "cpu (Gloo)");
#endif
  std::shared_ptr<ProcessGroup> group(new ProcessGroup(o));
  auto& impl = *group->impl_;
  impl.device = o.device;
  const std::string endpoint = o.master_addr + ":" + std::to_string(o.master_port);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(o.master_port);
    so.isServer = o.rank == 0;
    so.numWorkers = static_cast<std::size_t>(o.world_size);
    so.waitWorkers = true;
    so.timeout = o.timeout;
    impl.store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
  } catch (const std::exception& e) {
    throw std::runtime_error(where(o) + ": rendezvous at " + endpoint + " failed (" + message_of(e) +
                             "); check that every rank uses the same --master-addr/--master-port, that the port is "
                             "free on the master and reachable from here");
  }
  try {
#if CASM_WITH_NCCL
    if (o.backend == "nccl") {
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = o.timeout;
      impl.nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl.store, o.rank, o.world_size, opts);
      return group;
    }
#endif
    auto opts = c10d::ProcessGroupGloo::Options::create(o.timeout);
    // GLOO_SOCKET_IFNAME names the interface as in PyTorch; on one machine loopback is enough,
    // across machines the address this host's name resolves to.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (is_loopback(o.master_addr))
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    impl.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl.store, o.rank, o.world_size, opts);
  } catch (const std::exception& e) {
    throw std::runtime_error(where(o) + ": could not connect to the other ranks through " + endpoint + " (" +
                             message_of(e) + ")");
  }
  return group;
}

template <typename Collective>
static void run_collective(const GroupOptions& o, const char* what, Collective&& c) {
  try {
    c();
  } catch (const std::exception& e) {
    throw std::runtime_error(
        "distributed " + std::string(what) + " failed on " + where(o) +
        " (another rank has probably exited, or did not arrive within the timeout): " + message_of(e));
  }
}

void ProcessGroup::allreduce_sum(const std::vector<torch::Tensor>& tensors) {
  auto buckets = make_buckets(tensors);
  run_collective(options_, "all-reduce", [&] {
    impl_->with_group([&](auto& pg) {
      using WorkPtr = decltype(pg.barrier());
      std::vector<WorkPtr> pending;
      for (auto& b : buckets) {
        std::vector<at::Tensor> one{b.flat};
        pending.push_back(pg.allreduce(one));
      }
      for (auto& w : pending) w->wait();
      return 0;
    });
  });
  unpack(buckets);
}

void ProcessGroup::broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  auto buckets = make_buckets(tensors);
  run_collective(options_, "broadcast", [&] {
    impl_->with_group([&](auto& pg) {
      using WorkPtr = decltype(pg.barrier());
      std::vector<WorkPtr> pending;
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      for (auto& b : buckets) {
        std::vector<at::Tensor> one{b.flat};
        pending.push_back(pg.broadcast(one, opts));
      }
      for (auto& w : pending) w->wait();
      return 0;
    });
  });
  unpack(buckets);
}

std::vector<int64_t> ProcessGroup::max_over_ranks(const char* what, std::vector<int64_t> values) {
  auto t = torch::tensor(values, torch::TensorOptions().dtype(torch::kInt64)).to(impl_->device);
  run_collective(options_, what, [&] {
    impl_->with_group([&](auto& pg) {
      std::vector<at::Tensor> one{t};
      c10d::AllreduceOptions opts;
      opts.reduceOp = c10d::ReduceOp::MAX;
      pg.allreduce(one, opts)->wait();
      return 0;
    });
  });
  auto c = t.to(torch::kCPU);
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// All equal exactly when max(v) == -max(-v), i.e. max == min.
bool ProcessGroup::all_equal(int64_t value) {
  auto m = max_over_ranks("agreement check", {value, -value});
  return m[0] == -m[1];
}

bool ProcessGroup::any(bool flag) { return max_over_ranks("stop check", {flag ? int64_t{1} : int64_t{0}})[0] > 0; }

#else  // no distributed support in this build

struct ProcessGroup::Impl {};
ProcessGroup::ProcessGroup(const GroupOptions& options) : options_(options) {}
ProcessGroup::~ProcessGroup() = default;

static std::runtime_error unavailable() {
  return std::runtime_error(
      "this build of casm-native has no distributed support: its LibTorch lacks c10d with Gloo, or Gloo's headers "
      "were not found at build time (Debian/Ubuntu: apt install libgloo-dev, then rebuild); `casm-native doctor` shows "
      "it");
}

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const GroupOptions&) { throw unavailable(); }
void ProcessGroup::allreduce_sum(const std::vector<torch::Tensor>&) { throw unavailable(); }
void ProcessGroup::broadcast(const std::vector<torch::Tensor>&, int) { throw unavailable(); }
bool ProcessGroup::all_equal(int64_t) { throw unavailable(); }
bool ProcessGroup::any(bool) { throw unavailable(); }

#endif

}  // namespace casm::dist
