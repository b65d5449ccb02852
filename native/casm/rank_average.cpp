#include "rank_average.h"

namespace casm {

void RankAverage::mean(const torch::Tensor& t) {
  if (t.defined()) means_.push_back(t);
}

void RankAverage::mean(const std::vector<torch::Tensor>& ts) {
  for (const auto& t : ts) mean(t);
}

void RankAverage::sum(const torch::Tensor& t) {
  if (t.defined()) sums_.push_back(t);
}

int64_t RankAverage::run() {
  torch::NoGradGuard no_grad;
  // Σ_k n_k·mean_k / Σ_k n_k. The batch size travels in the same all-reduce (float64: exact).
  auto weight = torch::full({1}, static_cast<double>(local_batch_),
                            torch::TensorOptions().dtype(torch::kFloat64).device(group_.device()));
  for (auto& t : means_) t.mul_(static_cast<double>(local_batch_));
  std::vector<torch::Tensor> all = means_;
  all.insert(all.end(), sums_.begin(), sums_.end());
  all.push_back(weight);
  group_.allreduce_sum(all);
  const double total = weight.item<double>();
  for (auto& t : means_) t.div_(total);
  return static_cast<int64_t>(total);
}

std::vector<torch::Tensor> float_buffers(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (auto& b : module.buffers())
    if (b.is_floating_point()) out.push_back(b);
  return out;
}

}  // namespace casm
