// SGD and Adam with exactly torch.optim's update rules (coupled weight decay), written out so
// their state is plain named tensors that checkpoints save and restore without LibTorch's
// version-specific optimizer serialisation.
#pragma once

#include "../compat.h"

#include <string>
#include <vector>

namespace casm {

struct NamedParam {
  std::string name;
  torch::Tensor param;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// What SGD and Adam share: named parameters, a learning rate, coupled weight decay and the walk
// over the defined gradients.
class ParamOptimizer {
 public:
  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }

 protected:
  ParamOptimizer(std::vector<NamedParam> params, double lr, double weight_decay)
      : params_(std::move(params)), lr_(lr), weight_decay_(weight_decay) {}
  // Calls update(i, param, d) for each defined grads[i], where d = grads[i] + weight_decay * param
  // (torch.optim adds the decay before anything else). d is grads[i] itself, updated in place:
  // the gradients are the step's scratch space, so a step allocates nothing after the first.
  template <typename Update>
  void each_decayed_grad(std::vector<torch::Tensor>& grads, Update update) {
    torch::NoGradGuard g;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!grads[i].defined()) continue;
      auto& p = params_[i].param;
      auto d = grads[i].to(p.scalar_type());
      if (weight_decay_ != 0) d.add_(p, weight_decay_);
      update(i, p, d);
    }
  }

  std::vector<NamedParam> params_;
  double lr_, weight_decay_;
};

// torch.optim.SGD(momentum=m, dampening=0, nesterov=False, weight_decay=wd).
class Sgd : public ParamOptimizer {
 public:
  Sgd(std::vector<NamedParam> params, double lr, double momentum, double weight_decay);
  // grads[i] belongs to params[i]; undefined grads are skipped (as params whose .grad is None).
  // The gradients are updated in place: pass gradients nothing else reads afterwards.
  void step(std::vector<torch::Tensor> grads);
  void save(const std::string& prefix, NamedTensors& out) const;
  void load(const std::string& prefix, const NamedTensors& in);

 private:
  std::vector<torch::Tensor> momentum_;
  double momentum_coef_;
};

// torch.optim.Adam(betas=(b1,b2), eps, weight_decay=wd, amsgrad=False): L2 added to the gradient.
class Adam : public ParamOptimizer {
 public:
  Adam(std::vector<NamedParam> params, double lr, double weight_decay, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8);
  // As Sgd::step: the gradients are updated in place.
  void step(std::vector<torch::Tensor> grads);
  void save(const std::string& prefix, NamedTensors& out) const;
  void load(const std::string& prefix, const NamedTensors& in);

 private:
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;
  std::vector<int64_t> steps_;
  double beta1_, beta2_, eps_;
};

// Total L2 norm of the defined gradients (as torch.nn.utils.clip_grad_norm_ computes it).
torch::Tensor total_norm(const std::vector<torch::Tensor>& grads);
// Scales grads in place so their total norm is at most max_norm; returns the norm before clipping.
double clip_total_norm(std::vector<torch::Tensor>& grads, double max_norm);

}  // namespace casm
