// Averaging across data-parallel ranks for one step: each rank registers tensors that hold means
// over its own images (gradients, BN running statistics, losses) or plain sums (counts); run()
// turns them into means / sums over the global batch with one bucketed all-reduce. Means are
// weighted by each rank's batch size, so shards of unequal size still give the gradient of the
// loss over the whole batch, as one process would compute it.
#pragma once

#include "../distributed/process_group.h"

#include <vector>

namespace casm {

class RankAverage {
 public:
  RankAverage(dist::ProcessGroup& group, int64_t local_batch) : group_(group), local_batch_(local_batch) {}

  // Means over this rank's images; undefined tensors are skipped (they are undefined on every
  // rank: which gradients exist depends on the graph, not on the data).
  void mean(const torch::Tensor& t);
  void mean(const std::vector<torch::Tensor>& ts);
  // Sums or counts.
  void sum(const torch::Tensor& t);
  // One all-reduce for everything registered; returns the global batch size.
  int64_t run();

 private:
  dist::ProcessGroup& group_;
  int64_t local_batch_;
  std::vector<torch::Tensor> means_, sums_;
};

// The floating-point buffers (BN running statistics) of a module: what a forward pass in train
// mode changes besides the gradients. num_batches_tracked is left out: it advances identically
// on every rank.
std::vector<torch::Tensor> float_buffers(torch::nn::Module& module);

}  // namespace casm
