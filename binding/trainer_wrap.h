// JS class Trainer: wraps casm::Trainer (fused step, optimisers, snapshot pool, checkpoints).
// It shares its model's lock, so model and trainer calls never run at the same time.
#pragma once

#include <napi.h>

#include "../native/casm/trainer.h"

#include <memory>
#include <mutex>

namespace casm::binding {

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value PretrainStep(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value PoolIds(const Napi::CallbackInfo& info);
  Napi::Value SetLearningRates(const Napi::CallbackInfo& info);
  Napi::Value SetLambdaR(const Napi::CallbackInfo& info);
  Napi::Value SaveCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value LoadCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value BroadcastModel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<Trainer> trainer(Napi::Env env) const;

  std::shared_ptr<Trainer> trainer_;
  std::shared_ptr<std::mutex> lock_;
  Napi::ObjectReference model_ref_;  // keeps the JS Model alive as long as this trainer
  Napi::ObjectReference group_ref_;  // and the JS ProcessGroup, when there is one
};

}  // namespace casm::binding
