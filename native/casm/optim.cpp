#include "optim.h"

#include <cmath>
#include <map>
#include <stdexcept>

namespace casm {

using Named = NamedTensors;

static std::map<std::string, torch::Tensor> index_by_name(const Named& in) {
  return std::map<std::string, torch::Tensor>(in.begin(), in.end());
}

static torch::Tensor restore_like(const std::map<std::string, torch::Tensor>& m, const std::string& key,
                                  const torch::Tensor& like) {
  auto it = m.find(key);
  if (it == m.end()) return {};
  if (it->second.sizes() != like.sizes()) throw std::runtime_error("optimizer state '" + key + "' has the wrong shape");
  return it->second.to(like.device(), like.scalar_type())
      .clone(at::MemoryFormat::Preserve)
      .contiguous(like.suggest_memory_format());
}

Sgd::Sgd(std::vector<NamedParam> params, double lr, double momentum, double weight_decay)
    : ParamOptimizer(std::move(params), lr, weight_decay), momentum_(params_.size()), momentum_coef_(momentum) {}

// The same operations in the same order as torch.optim.SGD's single-tensor loop (so the numbers
// match it bit for bit), but in place on the gradient: no temporary per parameter.
void Sgd::step(std::vector<torch::Tensor> grads) {
  each_decayed_grad(grads, [&](size_t i, torch::Tensor& p, torch::Tensor d) {
    if (momentum_coef_ != 0) {
      if (!momentum_[i].defined())
        momentum_[i] = d.clone();
      else
        momentum_[i].mul_(momentum_coef_).add_(d);
      d = momentum_[i];
    }
    p.add_(d, -lr_);
  });
}

void Sgd::save(const std::string& prefix, Named& out) const {
  for (size_t i = 0; i < params_.size(); ++i)
    if (momentum_[i].defined()) out.emplace_back(prefix + params_[i].name + ".momentum_buffer", momentum_[i]);
}

void Sgd::load(const std::string& prefix, const Named& in) {
  auto m = index_by_name(in);
  for (size_t i = 0; i < params_.size(); ++i)
    momentum_[i] = restore_like(m, prefix + params_[i].name + ".momentum_buffer", params_[i].param);
}

Adam::Adam(std::vector<NamedParam> params, double lr, double weight_decay, double beta1, double beta2, double eps)
    : ParamOptimizer(std::move(params), lr, weight_decay),
      exp_avg_(params_.size()),
      exp_avg_sq_(params_.size()),
      steps_(params_.size(), 0),
      beta1_(beta1),
      beta2_(beta2),
      eps_(eps) {}

void Adam::step(std::vector<torch::Tensor> grads) {
  each_decayed_grad(grads, [&](size_t i, torch::Tensor& p, const torch::Tensor& d) {
    if (!exp_avg_[i].defined()) {
      exp_avg_[i] = torch::zeros_like(p, at::MemoryFormat::Preserve);
      exp_avg_sq_[i] = torch::zeros_like(p, at::MemoryFormat::Preserve);
    }
    const int64_t t = ++steps_[i];
    exp_avg_[i].mul_(beta1_).add_(d, 1 - beta1_);
    exp_avg_sq_[i].mul_(beta2_).addcmul_(d, d, 1 - beta2_);
    const double bc1 = 1 - std::pow(beta1_, static_cast<double>(t));
    const double bc2 = 1 - std::pow(beta2_, static_cast<double>(t));
    auto denom = exp_avg_sq_[i].sqrt().div_(std::sqrt(bc2)).add_(eps_);
    p.addcdiv_(exp_avg_[i], denom, -lr_ / bc1);
  });
}

void Adam::save(const std::string& prefix, Named& out) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!exp_avg_[i].defined()) continue;
    const auto& n = params_[i].name;
    out.emplace_back(prefix + n + ".exp_avg", exp_avg_[i]);
    out.emplace_back(prefix + n + ".exp_avg_sq", exp_avg_sq_[i]);
    out.emplace_back(prefix + n + ".step", torch::tensor(steps_[i], torch::kInt64));
  }
}

void Adam::load(const std::string& prefix, const Named& in) {
  auto m = index_by_name(in);
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& n = params_[i].name;
    exp_avg_[i] = restore_like(m, prefix + n + ".exp_avg", params_[i].param);
    exp_avg_sq_[i] = restore_like(m, prefix + n + ".exp_avg_sq", params_[i].param);
    auto it = m.find(prefix + n + ".step");
    steps_[i] = it == m.end() ? 0 : it->second.to(torch::kCPU, torch::kInt64).item<int64_t>();
    if (exp_avg_[i].defined() != exp_avg_sq_[i].defined())
      throw std::runtime_error("optimizer state for '" + n + "' is incomplete");
  }
}

torch::Tensor total_norm(const std::vector<torch::Tensor>& grads) {
  std::vector<torch::Tensor> norms;
  for (const auto& g : grads)
    if (g.defined()) norms.push_back(g.detach().to(torch::kFloat32).norm(2));
  if (norms.empty()) return torch::zeros({});
  return torch::stack(norms).norm(2);
}

double clip_total_norm(std::vector<torch::Tensor>& grads, double max_norm) {
  const double norm = total_norm(grads).item<double>();
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1) {
    torch::NoGradGuard g;
    for (auto& t : grads)
      if (t.defined()) t.mul_(coef);
  }
  return norm;
}

}  // namespace casm
