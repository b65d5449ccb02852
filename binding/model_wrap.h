// JS class Model: wraps casm::Model. Construction only parses options; init() builds the
// networks on a worker thread, like every other call that runs LibTorch work.
#pragma once

#include <napi.h>

#include "../native/casm/model.h"

#include <memory>
#include <mutex>

namespace casm::binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);

  static ModelWrap* Unwrap(const Napi::Value& v);
  std::shared_ptr<Model> model(Napi::Env env) const;
  std::shared_ptr<std::mutex> lock() const { return lock_; }

 private:
  Napi::Value Init(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Saliency(const Napi::CallbackInfo& info);
  Napi::Value ActivationMaps(const Napi::CallbackInfo& info);
  Napi::Value ImportWeights(const Napi::CallbackInfo& info);
  Napi::Value SaveWeights(const Napi::CallbackInfo& info);
  Napi::Value StateDict(const Napi::CallbackInfo& info);
  Napi::Value TapShapes(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  ModelConfig config_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<std::mutex> lock_ = std::make_shared<std::mutex>();
  bool initialising_ = false;
  bool disposed_ = false;
};

}  // namespace casm::binding
