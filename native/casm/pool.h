// The snapshot pool: frozen copies of the classifier on the model's device, always in eval mode,
// addressed by ids that the (TypeScript) thinning policy chooses.
#pragma once

#include "model.h"

#include <map>

namespace casm {

class SnapshotPool {
 public:
  explicit SnapshotPool(Model& model) : model_(model) {}

  // bf16 storage (CUDA with autocast): convolution and fc weights in bf16, BN in fp32, about half
  // the memory per snapshot. Applies to snapshots taken afterwards.
  void set_weights_bf16(bool on) { bf16_ = on; }

  // Copies the classifier's current parameters and BN statistics under `id` (replacing any).
  void take(int64_t id);
  void release(int64_t id);
  bool contains(int64_t id) const { return snapshots_.count(id) > 0; }
  ResNet& get(int64_t id);
  std::vector<int64_t> ids() const;
  size_t size() const { return snapshots_.size(); }

  // "pool.<id>.<torchvision name>" for every snapshot, and the inverse.
  NamedTensors state();
  void load_state(const NamedTensors& tensors);

 private:
  ResNet make_frozen() const;

  Model& model_;
  std::map<int64_t, ResNet> snapshots_;
  bool bf16_ = false;
};

}  // namespace casm
