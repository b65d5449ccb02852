#include "trainer.h"

#include "autocast_scope.h"

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
      pretrain_sgd_(named_params(*model_->classifier(), "classifier."), config.lr, config.momentum, config.weight_decay),
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

static bool finite(const torch::Tensor& t) { return torch::isfinite(t).all().item<bool>(); }

static void check_labels(const torch::Tensor& y, int64_t batch, int64_t classes) {
  if (y.dim() != 1 || y.size(0) != batch)
    throw std::invalid_argument("labels must have one entry per image (" + std::to_string(batch) + ")");
  if (batch < 1) throw std::invalid_argument("empty batch");
  if (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= classes)
    throw std::invalid_argument("labels must be in 0.." + std::to_string(classes - 1));
}

PretrainResult Trainer::pretrain_step(const torch::Tensor& x, const torch::Tensor& y_cpu, double lr, PretrainOptimizer optimizer) {
  auto& model = *model_;
  const int64_t batch = x.size(0);
  check_labels(y_cpu, batch, model.config().resnet.num_classes);
  if (!(lr >= 0) || !std::isfinite(lr)) throw std::invalid_argument("pretraining learning rate must be finite and non-negative");
  auto y = y_cpu.to(model.device(), torch::kInt64);
  AutocastScope autocast(config_.amp, model.device());
  auto& clf = model.classifier();
  // Preset F trains f(0) here too; its weights are frozen again for the CASM phase.
  for (auto& p : classifier_params_) p.requires_grad_(true);
  PretrainResult r;
  r.batch_size = batch;
  try {
    torch::AutoGradMode grad_mode(true);
    clf->train(true);
    auto logits = clf->forward(x).first.to(torch::kFloat32);
    auto loss = F::cross_entropy(logits, y);
    auto scalars = torch::stack({loss.detach(), logits.detach().argmax(1).eq(y).sum().to(torch::kFloat32)}).to(torch::kCPU, torch::kFloat64);
    r.loss = scalars[0].item<double>();
    r.correct = static_cast<int64_t>(scalars[1].item<double>());
    r.finite = std::isfinite(r.loss);
    if (r.finite) {
      auto grads = classifier_grads(loss, false);
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
  if (!current && req.adversary != req.snapshot_id && (!pool_.contains(req.adversary) || req.adversary == req.release_id))
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
    clf->train(!fixed);
    std::tie(logits, taps) = clf->forward(x);
    logits = logits.to(torch::kFloat32);
    loss_clean = F::cross_entropy(logits, y);
  }
  const bool clean_finite = finite(loss_clean);
  if (!fixed && !config_.mixed_classifier_loss) {
    if (clean_finite)
      sgd_.step(classifier_grads(loss_clean, false));
    else
      r.skipped.push_back("clean");
  }

  // 2. Snapshot rule, decided in TypeScript: the pool sees the classifier after its clean step.
  if (req.release_id >= 0) pool_.release(req.release_id);
  if (req.snapshot_id >= 0) pool_.take(req.snapshot_id);

  // 3–4. The mapping never trains a shared encoder: its taps are detached.
  if (model.separate_encoder()) {
    model.encoder()->train();
    taps = model.encoder()->features(x);
  } else {
    for (auto& t : taps) t = t.detach();
  }
  model.decoder()->train();
  auto mask = model.decoder()->forward(taps);
  auto xm = x * (1 - mask);

  // 5. Adversary: the current classifier (its BN statistics see this pass too) or a frozen snapshot.
  torch::Tensor logits_m;
  if (current) {
    clf->train(!fixed);
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
  auto scalars = torch::stack({loss_clean.detach(), loss_masked.detach(), loss_mapping.detach(),
                               correct_on_clean.sum().to(torch::kFloat32), logits_m.detach().argmax(1).eq(y).sum().to(torch::kFloat32),
                               per_image_mean.mean(), mask_std, grad_norm.to(loss_clean.device()),
                               classifier_masked_loss.defined() ? classifier_masked_loss.detach() : torch::zeros({}, loss_clean.options())})
                     .to(torch::kCPU, torch::kFloat64);
  auto s = scalars.accessor<double, 1>();
  r.loss_clean = s[0], r.loss_masked = s[1], r.loss_mapping = s[2];
  r.correct_clean = static_cast<int64_t>(s[3]), r.correct_masked = static_cast<int64_t>(s[4]);
  r.mask_mean = s[5], r.mask_std = s[6], r.decoder_grad_norm = s[7];

  if (classifier_masked_loss.defined()) {
    if (std::isfinite(s[8]))
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
  }
  return r;
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
