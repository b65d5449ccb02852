// A data-parallel process group on LibTorch's c10d: rendezvous over a TCPStore, collectives by
// ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA tensors, one GPU per process).
// Deliberately free of c10d headers: they need Gloo's headers and a LibTorch built with
// distributed support, so only process_group.cpp sees them, and a build without them still links
// (available() is then false and connect() throws a clear error).
#pragma once

#include "../compat.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace casm::dist {

// No defaults here (src/native/defaults.ts holds them): the binding sets every field.
struct GroupOptions {
  int rank;
  int world_size;
  // Where rank 0 hosts the rendezvous store (torchrun's MASTER_ADDR / MASTER_PORT).
  std::string master_addr;
  int master_port;
  // Rendezvous and every collective fail after this long instead of hanging.
  std::chrono::milliseconds timeout;
  // "gloo" (CPU) or "nccl" (CUDA).
  std::string backend;
  // Where the small control tensors live: NCCL only reduces CUDA tensors. (torch::Device has no
  // default constructor, so it needs a value here; the binding overwrites it.)
  torch::Device device{torch::kCPU};
};

// Backends this build can use ("gloo", "nccl"); empty without distributed support.
std::vector<std::string> backends();
inline bool available() { return !backends().empty(); }

class ProcessGroup {
 public:
  // Blocks until all world_size ranks have joined (or the timeout passes).
  static std::shared_ptr<ProcessGroup> connect(const GroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  const std::string& backend() const { return options_.backend; }
  const torch::Device& device() const { return options_.device; }

  // Sums every tensor over the ranks, in place. Tensors are packed into flat buckets per dtype
  // (one all-reduce per bucket, all in flight together) rather than one call per tensor.
  void allreduce_sum(const std::vector<torch::Tensor>& tensors);
  // Overwrites every tensor with root's, in place (same bucketing).
  void broadcast(const std::vector<torch::Tensor>& tensors, int root);
  // Whether every rank passed the same value (an all-reduce of max(v) and max(-v)).
  bool all_equal(int64_t value);
  // Logical OR over the ranks.
  bool any(bool flag);

 private:
  struct Impl;
  explicit ProcessGroup(const GroupOptions& options);
  // The element-wise maximum of `values` over all ranks (both checks above are one).
  std::vector<int64_t> max_over_ranks(const char* what, std::vector<int64_t> values);
  GroupOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace casm::dist
