// The fused CASM training step (casm-spec.md, steps 1–8) with the classifier's SGD, the
// mapping's Adam and the snapshot pool. One call per batch; nothing per-pixel leaves the device
// unless asked for.
#pragma once

#include "../distributed/process_group.h"
#include "optim.h"
#include "pool.h"

#include <memory>

namespace casm {

// No defaults here: the one table of them is src/native/defaults.ts, and the binding sets every
// field from a required option. Callers value-initialise ({}) so nothing is ever read uninitialised.
struct TrainerConfig {
  double lr;
  double lr_mapping;
  double weight_decay;
  double momentum;
  double lambda_r;
  bool classification_score;   // false: entropy score
  bool mixed_classifier_loss;  // false: two SGD steps (clean, then masked)
  // Masked-in objective (Phang, Park & Geras 2020): the mapping loss adds
  // mask_in_weight · CE(adversary(x·m), y), so the kept pixels must still be enough for the
  // adversary to classify. Gradient to the mapping only. false: the authors' objective, unchanged.
  bool mask_in_objective;
  double mask_in_weight;
  bool fixed_classifier;  // preset F
  double clip_norm;
  bool amp;
  bool pool_bf16;  // with amp on CUDA: snapshots stored in bf16
  // BN layers normalise with their running statistics and keep them (eval mode) while the rest
  // trains: every image's loss then depends on that image alone, so data-parallel shards add up
  // to exactly the global batch, and small per-process batches do not make noisy statistics.
  bool freeze_batch_norm;
};

// Set field by field by the binding, like TrainerConfig.
struct StepRequest {
  int64_t adversary;    // -1: the current classifier; else a pool id
  int64_t snapshot_id;  // >= 0: snapshot after the clean classifier step
  int64_t release_id;   // >= 0: released before the snapshot is stored
  bool return_tensors;
};

// Classifier-only pretraining of f(0) (the paper's "train the classifier on the entire training
// set" before CASM): cross-entropy on clean images, SGD or Adam with state of their own.
enum class PretrainOptimizer { Sgd, Adam };

struct PretrainResult {
  double loss = 0;
  int64_t correct = 0, batch_size = 0;
  bool finite = true;
};

struct StepResult {
  double loss_clean = 0, loss_masked = 0, loss_mapping = 0;
  int64_t correct_clean = 0, correct_masked = 0, batch_size = 0;
  // Only with the masked-in objective (0 otherwise): CE and correct count on x·m.
  double loss_masked_in = 0;
  int64_t correct_masked_in = 0;
  double mask_mean = 0, mask_std = 0, decoder_grad_norm = 0;
  std::vector<std::string> skipped;  // updates skipped because a value was NaN/Inf
  // Only with return_tensors (CPU, float32 / uint8):
  torch::Tensor clean_logits, masked_logits, mask, correct_on_clean, nontrivially_confused;
  torch::Tensor masked_in_logits;  // undefined without the masked-in objective
};

class Trainer {
 public:
  Trainer(std::shared_ptr<Model> model, const TrainerConfig& config);

  // x: normalised NCHW on the model's device; y: int64 labels on the model's device.
  StepResult step(const torch::Tensor& x, const torch::Tensor& y, const StepRequest& req);

  // One pretraining step at learning rate `lr`; the decoder and the CASM optimisers are untouched.
  PretrainResult pretrain_step(const torch::Tensor& x, const torch::Tensor& y, double lr, PretrainOptimizer optimizer);

  SnapshotPool& pool() { return pool_; }
  Model& model() { return *model_; }
  const TrainerConfig& config() const { return config_; }
  void set_learning_rates(double lr, double lr_mapping);
  void set_lambda_r(double lambda_r) { config_.lambda_r = lambda_r; }

  // Data-parallel training: with a group of several ranks, every update uses gradients averaged
  // over the group (weighted by each rank's batch size), BN running statistics are averaged after
  // every step, and the returned statistics describe the global batch. nullptr: this process alone.
  void set_process_group(std::shared_ptr<dist::ProcessGroup> group) { group_ = std::move(group); }
  // Overwrites parameters and buffers with those of rank `root`, so that every rank starts alike.
  void broadcast_model(int root);

  NamedTensors optimizer_state() const;
  void load_optimizer_state(const NamedTensors& tensors);

 private:
  std::vector<torch::Tensor> classifier_grads(const torch::Tensor& loss, bool retain);
  torch::Tensor mapping_loss(const torch::Tensor& mask, const torch::Tensor& logits_m, const torch::Tensor& y,
                             const torch::Tensor& correct_on_clean, const torch::Tensor& confused);

  bool distributed() const { return group_ && group_->world_size() > 1; }
  // module.train(on), with BN layers kept in eval mode under freeze_batch_norm.
  void set_train(torch::nn::Module& module, bool on) const;
  std::vector<torch::Tensor> moved_buffers(torch::nn::Module& module) const;

  std::shared_ptr<Model> model_;
  TrainerConfig config_;
  std::shared_ptr<dist::ProcessGroup> group_;
  SnapshotPool pool_;
  std::vector<torch::Tensor> classifier_params_;
  std::vector<torch::Tensor> mapping_params_;
  Sgd sgd_;
  Adam adam_;
  // Separate from sgd_ so that the CASM phase starts with fresh optimiser state, as it would from a
  // pretrained checkpoint.
  Sgd pretrain_sgd_;
  Adam pretrain_adam_;
};

}  // namespace casm
