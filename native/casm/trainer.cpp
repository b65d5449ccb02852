#include "trainer.h"

#include "autocast_scope.h"
#include "rank_average.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace casm {

namespace F = torch::nn::functional;

static std::vector<NamedParam> named_params(torch::nn::Module& m, const std::string& prefix, bool skip_fc = false) {
  std::vector<NamedParam> out;
  for (auto& kv : m.named_parameters()) {
    if (skip_fc && kv.key().rfind("fc.", 0) == 0) continue;
    out.push_back({prefix + kv.key(), kv.value()});
  }
  return out;
}

// Parameters trained by the mapping loss: the decoder, plus the separate encoder without its fc
// (the fc never sees the mapping loss, and Adam's weight decay would otherwise shrink it).
static std::vector<NamedParam> mapping_named_params(Model& m) {
  auto out = named_params(*m.decoder(), "decoder.");
  if (m.separate_encoder()) {
    auto enc = named_params(*m.encoder(), "encoder.", /*skip_fc=*/true);
    out.insert(out.end(), enc.begin(), enc.end());
  }
  return out;
}

static std::vector<torch::Tensor> tensors_of(const std::vector<NamedParam>& p) {
  std::vector<torch::Tensor> out;
  for (auto& n : p) out.push_back(n.param);
  return out;
}

Trainer::Trainer(std::shared_ptr<Model> model, const TrainerConfig& config)
    : model_(std::move(model)),
      config_(config),
      pool_(*model_),
      sgd_(named_params(*model_->classifier(), "classifier."), config.lr, config.momentum, config.weight_decay),
      adam_(mapping_named_params(*model_), config.lr_mapping, config.weight_decay),
      pretrain_sgd_(named_params(*model_->classifier(), "classifier."), config.lr, config.momentum,
                    config.weight_decay),
      pretrain_adam_(named_params(*model_->classifier(), "classifier."), config.lr, config.weight_decay) {
  classifier_params_ = model_->classifier()->parameters();
  mapping_params_ = tensors_of(mapping_named_params(*model_));
  // A fixed classifier is never trained: without weight gradients, backward through it computes
  // input gradients only.
  for (auto& p : classifier_params_) p.requires_grad_(!config.fixed_classifier);
  pool_.set_weights_bf16(config.pool_bf16 && config.amp && model_->device().is_cuda());
}

void Trainer::set_learning_rates(double lr, double lr_mapping) {
  config_.lr = lr, config_.lr_mapping = lr_mapping;
  sgd_.set_lr(lr);
  adam_.set_lr(lr_mapping);
}

std::vector<torch::Tensor> Trainer::classifier_grads(const torch::Tensor& loss, bool retain) {
  return torch::autograd::grad({loss}, classifier_params_, {}, retain, false, /*allow_unused=*/true);
}

// Step 7 of the spec: gated area penalty plus the entropy (or classification) score.
torch::Tensor Trainer::mapping_loss(const torch::Tensor& mask, const torch::Tensor& logits_m, const torch::Tensor& y,
                                    const torch::Tensor& correct_on_clean, const torch::Tensor& confused) {
  auto per_image_mean = mask.mean({1, 2, 3});
  auto area = -config_.lambda_r * torch::relu(confused.to(per_image_mean.scalar_type()) - per_image_mean).mean();
  if (config_.classification_score) return area - F::cross_entropy(logits_m, y);
  auto log_p = torch::log_softmax(logits_m, 1);
  auto negative_entropy = (log_p * log_p.exp()).sum(1);
  return area + (negative_entropy * correct_on_clean.to(negative_entropy.scalar_type())).mean();
}

void Trainer::set_train(torch::nn::Module& module, bool on) const {
  module.train(on);
  if (!on || !config_.freeze_batch_norm) return;
  for (auto& m : module.modules(/*include_self=*/false))
    if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) m->eval();
}

// The BN statistics a train-mode pass moved (none when BN is frozen), to be averaged over ranks.
std::vector<torch::Tensor> Trainer::moved_buffers(torch::nn::Module& module) const {
  if (config_.freeze_batch_norm) return {};
  return float_buffers(module);
}

static bool finite(const torch::Tensor& t) { return torch::isfinite(t).all().item<bool>(); }

static void check_labels(const torch::Tensor& y, int64_t batch, int64_t classes) {
  if (y.dim() != 1 || y.size(0) != batch)
    throw std::invalid_argument("labels must have one entry per image (" + std::to_string(batch) + ")");
  if (batch < 1) throw std::invalid_argument("empty batch");
  if (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= classes)
    throw std::invalid_argument("labels must be in 0.." + std::to_string(classes - 1));
}

PretrainResult Trainer::pretrain_step(const torch::Tensor& x, const torch::Tensor& y_cpu, double lr,
                                      PretrainOptimizer optimizer) {
  auto& model = *model_;
  const int64_t batch = x.size(0);
  check_labels(y_cpu, batch, model.config().resnet.num_classes);
  if (!(lr >= 0) || !std::isfinite(lr))
    throw std::invalid_argument("pretraining learning rate must be finite and non-negative");
  auto y = y_cpu.to(model.device(), torch::kInt64);
  AutocastScope autocast(config_.amp, model.device());
  auto& clf = model.classifier();
  // Preset F trains f(0) here too; its weights are frozen again for the CASM phase.
  for (auto& p : classifier_params_) p.requires_grad_(true);
  PretrainResult r;
  r.batch_size = batch;
  try {
    torch::AutoGradMode grad_mode(true);
    set_train(*clf, true);
    auto logits = clf->forward(x).first.to(torch::kFloat32);
    auto loss = F::cross_entropy(logits, y);
    // Loss summed over the batch (exact in float64) and correct count, so ranks can add theirs up.
    auto sums = torch::stack({loss.detach().to(torch::kFloat64) * static_cast<double>(batch),
                              logits.detach().argmax(1).eq(y).sum().to(torch::kFloat64)});
    std::vector<torch::Tensor> grads;
    if (distributed()) {
      // Every rank joins the all-reduce whatever its own loss; the skip is decided on the global mean.
      grads = classifier_grads(loss, false);
      RankAverage avg(*group_, batch);
      avg.mean(grads);
      avg.mean(moved_buffers(*clf));
      avg.sum(sums);
      r.batch_size = avg.run();
    }
    auto s = sums.to(torch::kCPU);
    r.loss = s[0].item<double>() / static_cast<double>(r.batch_size);
    r.correct = static_cast<int64_t>(s[1].item<double>());
    r.finite = std::isfinite(r.loss);
    if (r.finite) {
      // A single process only pays for the backward pass when the step is taken.
      if (!distributed()) grads = classifier_grads(loss, false);
      if (optimizer == PretrainOptimizer::Adam) {
        pretrain_adam_.set_lr(lr);
        pretrain_adam_.step(std::move(grads));
      } else {
        pretrain_sgd_.set_lr(lr);
        pretrain_sgd_.step(std::move(grads));
      }
    }
  } catch (...) {
    for (auto& p : classifier_params_) p.requires_grad_(!config_.fixed_classifier);
    throw;
  }
  for (auto& p : classifier_params_) p.requires_grad_(!config_.fixed_classifier);
  return r;
}

StepResult Trainer::step(const torch::Tensor& x, const torch::Tensor& y_cpu, const StepRequest& req) {
  auto& model = *model_;
  const int64_t batch = x.size(0);
  check_labels(y_cpu, batch, model.config().resnet.num_classes);
  const bool fixed = config_.fixed_classifier;
  const bool current = req.adversary < 0;
  if (fixed && !current) throw std::invalid_argument("a fixed classifier (preset F) is always its own adversary");
  if (req.release_id >= 0 && !pool_.contains(req.release_id))
    throw std::invalid_argument("releaseId " + std::to_string(req.release_id) + " is not in the pool");
  if (!current && req.adversary != req.snapshot_id &&
      (!pool_.contains(req.adversary) || req.adversary == req.release_id))
    throw std::invalid_argument("adversary " + std::to_string(req.adversary) + " is not in the pool");

  auto y = y_cpu.to(model.device(), torch::kInt64);
  AutocastScope autocast(config_.amp, model.device());
  auto& clf = model.classifier();
  StepResult r;
  r.batch_size = batch;

  // 1. Clean pass; the clean SGD step (two-step loss) comes before the masked pass, as in the authors' code.
  torch::Tensor logits, loss_clean;
  Taps taps;
  {
    torch::AutoGradMode grad_mode(!fixed);
    set_train(*clf, !fixed);
    std::tie(logits, taps) = clf->forward(x);
    logits = logits.to(torch::kFloat32);
    loss_clean = F::cross_entropy(logits, y);
  }
  if (!fixed && !config_.mixed_classifier_loss && distributed()) {
    // Every rank joins the all-reduce whatever its own loss; the skip is decided on the global mean.
    auto grads = classifier_grads(loss_clean, false);
    auto loss = loss_clean.detach().to(torch::kFloat64, false, /*copy=*/true).reshape({1});
    RankAverage avg(*group_, batch);
    avg.mean(grads);
    avg.mean(loss);
    avg.run();
    if (finite(loss))
      sgd_.step(std::move(grads));
    else
      r.skipped.push_back("clean");
  } else if (!fixed && !config_.mixed_classifier_loss) {
    if (finite(loss_clean))
      sgd_.step(classifier_grads(loss_clean, false));
    else
      r.skipped.push_back("clean");
  }

  // 2. Snapshot rule, decided in TypeScript: the pool sees the classifier after its clean step.
  if (req.release_id >= 0) pool_.release(req.release_id);
  if (req.snapshot_id >= 0) {
    // The snapshot holds BN statistics too; the clean pass moved them differently on each shard.
    if (distributed() && !fixed) {
      RankAverage avg(*group_, batch);
      avg.mean(moved_buffers(*clf));
      avg.run();
    }
    pool_.take(req.snapshot_id);
  }

  // 3–4. The mapping never trains a shared encoder: its taps are detached.
  if (model.separate_encoder()) {
    set_train(*model.encoder(), true);
    taps = model.encoder()->features(x);
  } else {
    for (auto& t : taps) t = t.detach();
  }
  set_train(*model.decoder(), true);
  auto mask = model.decoder()->forward(taps);
  auto xm = x * (1 - mask);

  // 5. Adversary: the current classifier (its BN statistics see this pass too) or a frozen snapshot.
  torch::Tensor logits_m;
  if (current) {
    set_train(*clf, !fixed);
    logits_m = clf->forward(xm).first;
  } else {
    logits_m = pool_.get(req.adversary)->forward(xm).first;
  }
  logits_m = logits_m.to(torch::kFloat32);
  auto loss_masked = F::cross_entropy(logits_m, y);

  // 7. Gates from the predictions (no gradient through them).
  auto correct_on_clean = logits.detach().argmax(1).eq(y);
  auto wrong_on_masked = logits_m.detach().argmax(1).ne(y);
  auto confused = correct_on_clean.logical_and(wrong_on_masked);
  auto loss_mapping = mapping_loss(mask.to(torch::kFloat32), logits_m, y, correct_on_clean, confused);

  // Masked-in term (Phang, Park & Geras 2020): the kept pixels alone must still be classified
  // correctly. It asks the same adversary as the masked-out term (their code asks the current
  // classifier for both even when a snapshot was drawn; CASM's pool is the point, so we keep it),
  // after the masked-out pass; a current classifier in train mode moves its BN statistics here too.
  torch::Tensor logits_in, loss_masked_in;
  if (config_.mask_in_objective) {
    auto xin = x * mask;
    logits_in = (current ? clf->forward(xin) : pool_.get(req.adversary)->forward(xin)).first.to(torch::kFloat32);
    loss_masked_in = F::cross_entropy(logits_in, y);
    loss_mapping = loss_mapping + config_.mask_in_weight * loss_masked_in;
  }

  // 6 and 8. Both gradients are taken before either update, so the decoder's gradient flows
  // through the adversary's weights as they were in the forward pass. The decoder's gradient is
  // input-gradient-only through the classifier: autograd computes no weight gradients it was not asked for.
  std::vector<torch::Tensor> classifier_masked_grads;
  torch::Tensor classifier_masked_loss;
  if (!fixed && config_.mixed_classifier_loss) {
    classifier_masked_loss = current ? 0.5 * (loss_clean + loss_masked) : loss_clean;
  } else if (!fixed && current) {
    classifier_masked_loss = loss_masked;
  }
  if (classifier_masked_loss.defined()) classifier_masked_grads = classifier_grads(classifier_masked_loss, true);
  auto mapping_grads = torch::autograd::grad({loss_mapping}, mapping_params_, {}, false, false, true);

  // Data-parallel: gradients (before clipping, as clip_grad_norm_ after DDP's backward), the BN
  // statistics this step moved, and the sums behind the reported statistics, in one all-reduce.
  torch::Tensor global_sums;
  int64_t global_batch = batch;
  if (distributed()) {
    RankAverage avg(*group_, batch);
    avg.mean(classifier_masked_grads);
    avg.mean(mapping_grads);
    if (!fixed) avg.mean(moved_buffers(*clf));
    avg.mean(moved_buffers(*model.decoder()));
    if (model.separate_encoder()) avg.mean(moved_buffers(*model.encoder()));
    const double n = static_cast<double>(batch);
    auto f64 = [](const torch::Tensor& t) { return t.detach().to(torch::kFloat64); };
    auto image_means = f64(mask).mean({1, 2, 3});
    global_sums = torch::stack(
        {f64(loss_clean) * n, f64(loss_masked) * n, f64(loss_mapping) * n,
         classifier_masked_loss.defined() ? f64(classifier_masked_loss) * n : torch::zeros({}, image_means.options()),
         correct_on_clean.sum().to(torch::kFloat64), logits_m.detach().argmax(1).eq(y).sum().to(torch::kFloat64),
         image_means.sum(), image_means.pow(2).sum(),
         logits_in.defined() ? f64(loss_masked_in) * n : torch::zeros({}, image_means.options()),
         logits_in.defined() ? logits_in.detach().argmax(1).eq(y).sum().to(torch::kFloat64)
                             : torch::zeros({}, image_means.options())});
    avg.sum(global_sums);
    global_batch = avg.run();
  }

  auto grad_norm = total_norm(mapping_grads);
  auto clip_coef = torch::clamp_max(config_.clip_norm / (grad_norm + 1e-6), 1.0);
  {
    torch::NoGradGuard g;
    for (auto& t : mapping_grads)
      if (t.defined()) t.mul_(clip_coef.to(t.device(), t.scalar_type()));
  }

  // One transfer for every scalar the caller sees (one device sync per step).
  auto per_image_mean = mask.detach().to(torch::kFloat32).mean({1, 2, 3});
  auto mask_std = batch > 1 ? per_image_mean.std() : torch::zeros({}, per_image_mean.options());
  auto scalars =
      torch::stack(
          {loss_clean.detach(), loss_masked.detach(), loss_mapping.detach(), correct_on_clean.sum().to(torch::kFloat32),
           logits_m.detach().argmax(1).eq(y).sum().to(torch::kFloat32), per_image_mean.mean(), mask_std,
           grad_norm.to(loss_clean.device()),
           classifier_masked_loss.defined() ? classifier_masked_loss.detach() : torch::zeros({}, loss_clean.options()),
           logits_in.defined() ? loss_masked_in.detach() : torch::zeros({}, loss_clean.options()),
           logits_in.defined() ? logits_in.detach().argmax(1).eq(y).sum().to(torch::kFloat32)
                               : torch::zeros({}, loss_clean.options())})
          .to(torch::kCPU, torch::kFloat64);
  auto s = scalars.accessor<double, 1>();
  r.loss_clean = s[0], r.loss_masked = s[1], r.loss_mapping = s[2];
  r.correct_clean = static_cast<int64_t>(s[3]), r.correct_masked = static_cast<int64_t>(s[4]);
  r.mask_mean = s[5], r.mask_std = s[6], r.decoder_grad_norm = s[7];
  double classifier_masked_value = s[8];
  r.loss_masked_in = s[9], r.correct_masked_in = static_cast<int64_t>(s[10]);
  if (global_sums.defined()) {
    auto g = global_sums.to(torch::kCPU);
    auto a = g.accessor<double, 1>();
    const double n = static_cast<double>(global_batch);
    r.batch_size = global_batch;
    r.loss_clean = a[0] / n, r.loss_masked = a[1] / n, r.loss_mapping = a[2] / n, classifier_masked_value = a[3] / n;
    r.correct_clean = static_cast<int64_t>(a[4]), r.correct_masked = static_cast<int64_t>(a[5]);
    r.mask_mean = a[6] / n;
    r.loss_masked_in = a[8] / n, r.correct_masked_in = static_cast<int64_t>(a[9]);
    r.mask_std = global_batch > 1 ? std::sqrt(std::max(0.0, (a[7] - a[6] * a[6] / n) / (n - 1))) : 0.0;
  }

  if (classifier_masked_loss.defined()) {
    if (std::isfinite(classifier_masked_value))
      sgd_.step(std::move(classifier_masked_grads));
    else
      r.skipped.push_back(config_.mixed_classifier_loss ? "clean" : "masked");
  }
  if (std::isfinite(r.loss_mapping) && std::isfinite(r.decoder_grad_norm))
    adam_.step(std::move(mapping_grads));
  else
    r.skipped.push_back("mapping");

  if (req.return_tensors) {
    r.clean_logits = logits.detach().to(torch::kCPU).contiguous();
    r.masked_logits = logits_m.detach().to(torch::kCPU).contiguous();
    r.mask = mask.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    r.correct_on_clean = correct_on_clean.to(torch::kCPU, torch::kUInt8).contiguous();
    r.nontrivially_confused = confused.to(torch::kCPU, torch::kUInt8).contiguous();
    if (logits_in.defined()) r.masked_in_logits = logits_in.detach().to(torch::kCPU).contiguous();
  }
  return r;
}

void Trainer::broadcast_model(int root) {
  if (!distributed()) return;
  std::vector<torch::Tensor> all;
  auto add = [&all](torch::nn::Module& m) {
    for (auto& p : m.parameters()) all.push_back(p);
    for (auto& b : m.buffers()) all.push_back(b);
  };
  add(*model_->classifier());
  add(*model_->decoder());
  if (model_->separate_encoder()) add(*model_->encoder());
  group_->broadcast(all, root);
}

NamedTensors Trainer::optimizer_state() const {
  NamedTensors out;
  sgd_.save("sgd.", out);
  adam_.save("adam.", out);
  pretrain_sgd_.save("pretrain_sgd.", out);
  pretrain_adam_.save("pretrain_adam.", out);
  return out;
}

void Trainer::load_optimizer_state(const NamedTensors& tensors) {
  sgd_.load("sgd.", tensors);
  adam_.load("adam.", tensors);
  pretrain_sgd_.load("pretrain_sgd.", tensors);
  pretrain_adam_.load("pretrain_adam.", tensors);
}

}  // namespace casm
