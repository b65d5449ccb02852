#include "trainer_wrap.h"

#include "model_wrap.h"
#include "process_group_wrap.h"
#include "release_memory.h"
#include "worker.h"

#include "../native/casm/input.h"
#include "../native/io/checkpoint.h"

namespace casm::binding {

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(
      env, "Trainer",
      {InstanceMethod("step", &TrainerWrap::Step), InstanceMethod("pretrainStep", &TrainerWrap::PretrainStep),
       InstanceMethod("snapshot", &TrainerWrap::Snapshot), InstanceMethod("release", &TrainerWrap::Release),
       InstanceMethod("poolIds", &TrainerWrap::PoolIds),
       InstanceMethod("setLearningRates", &TrainerWrap::SetLearningRates),
       InstanceMethod("setLambdaR", &TrainerWrap::SetLambdaR),
       InstanceMethod("saveCheckpoint", &TrainerWrap::SaveCheckpoint),
       InstanceMethod("loadCheckpoint", &TrainerWrap::LoadCheckpoint),
       InstanceMethod("broadcastModel", &TrainerWrap::BroadcastModel),
       InstanceMethod("dispose", &TrainerWrap::Dispose)});
}

static double non_negative(const Napi::Object& o, const char* key) {
  double v = get_number(o, key);
  if (v < 0) throw std::invalid_argument(std::string("option '") + key + "' must not be negative");
  return v;
}

// Every field of TrainerConfig is set here from a required option (src/native/defaults.ts fills them).
TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  Napi::Env env = info.Env();
  ModelWrap* mw = ModelWrap::Unwrap(info[0]);
  auto model = mw->model(env);
  lock_ = mw->lock();
  model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
  guard(env, [&] {
    auto o = expect_object(info[1], "Trainer options");
    TrainerConfig c{};
    c.lr = non_negative(o, "lr");
    c.lr_mapping = non_negative(o, "lrMapping");
    c.weight_decay = non_negative(o, "weightDecay");
    c.momentum = non_negative(o, "momentum");
    c.lambda_r = non_negative(o, "lambdaR");
    const std::string score = get_string(o, "score");
    if (score != "entropy" && score != "classification")
      throw std::invalid_argument("score must be 'entropy' or 'classification'");
    c.classification_score = score == "classification";
    const std::string loss = get_string(o, "classifierLoss");
    if (loss != "two-step" && loss != "mixed")
      throw std::invalid_argument("classifierLoss must be 'two-step' or 'mixed'");
    c.mixed_classifier_loss = loss == "mixed";
    const std::string objective = get_string(o, "objective");
    if (objective != "out" && objective != "in-out") throw std::invalid_argument("objective must be 'out' or 'in-out'");
    c.mask_in_objective = objective == "in-out";
    c.mask_in_weight = non_negative(o, "maskInWeight");
    c.fixed_classifier = get_bool(o, "fixedClassifier");
    c.clip_norm = non_negative(o, "clipNorm");
    c.amp = get_bool(o, "amp");
    const std::string pool_dtype = get_string(o, "poolDtype");
    if (pool_dtype != "bf16" && pool_dtype != "fp32") throw std::invalid_argument("poolDtype must be 'bf16' or 'fp32'");
    c.pool_bf16 = pool_dtype == "bf16";
    c.freeze_batch_norm = get_bool(o, "freezeBatchNorm");
    // No group is not a default but a single-process run: the option may be absent.
    std::shared_ptr<dist::ProcessGroup> group;
    if (o.Has("processGroup") && !o.Get("processGroup").IsUndefined() && !o.Get("processGroup").IsNull()) {
      group = ProcessGroupWrap::Unwrap(o.Get("processGroup"))->group();
      group_ref_ = Napi::Persistent(o.Get("processGroup").As<Napi::Object>());
    }
    std::lock_guard<std::mutex> g(*lock_);
    trainer_ = std::make_shared<Trainer>(model, c);
    trainer_->set_process_group(group);
    return 0;
  });
}

static Napi::Value stats_to_js(Napi::Env env, StepResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("lossClean", r.loss_clean);
  o.Set("lossMasked", r.loss_masked);
  o.Set("lossMapping", r.loss_mapping);
  o.Set("correctClean", static_cast<double>(r.correct_clean));
  o.Set("correctMasked", static_cast<double>(r.correct_masked));
  o.Set("batchSize", static_cast<double>(r.batch_size));
  o.Set("maskMean", r.mask_mean);
  o.Set("maskStd", r.mask_std);
  o.Set("decoderGradNorm", r.decoder_grad_norm);
  o.Set("lossMaskedIn", r.loss_masked_in);
  o.Set("correctMaskedIn", static_cast<double>(r.correct_masked_in));
  o.Set("finite", r.skipped.empty());
  auto skipped = Napi::Array::New(env, r.skipped.size());
  for (size_t i = 0; i < r.skipped.size(); ++i) skipped.Set(static_cast<uint32_t>(i), r.skipped[i]);
  o.Set("skipped", skipped);
  if (r.clean_logits.defined()) {
    auto t = Napi::Object::New(env);
    t.Set("cleanLogits", float32_from_tensor(env, r.clean_logits));
    t.Set("maskedLogits", float32_from_tensor(env, r.masked_logits));
    t.Set("mask", float32_from_tensor(env, r.mask));
    t.Set("correctOnClean", uint8_from_tensor(env, r.correct_on_clean));
    t.Set("nontriviallyConfused", uint8_from_tensor(env, r.nontrivially_confused));
    if (r.masked_in_logits.defined()) t.Set("maskedInLogits", float32_from_tensor(env, r.masked_in_logits));
    o.Set("tensors", t);
  }
  return o;
}

Napi::Value TrainerWrap::Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto trainer = this->trainer(env);
  auto batch = batch_from_js(info[0], trainer->model().device().is_cuda());
  auto labels = labels_from_js(info[1], batch.data.size(0));
  StepRequest req{};
  auto o = expect_object(info[2], "step options");
  req.adversary = get_int(o, "adversary");
  req.snapshot_id = get_int(o, "snapshotId");
  req.release_id = get_int(o, "releaseId");
  req.return_tensors = get_bool(o, "returnTensors");
  if (req.adversary < -1 || req.snapshot_id < -1 || req.release_id < -1)
    throw Napi::TypeError::New(env, "snapshot ids must be non-negative integers (adversary -1 = current classifier)");
  return PromiseWorker<StepResult>::run(
      env, lock_,
      [trainer, batch, labels, req] {
        auto& m = trainer->model();
        auto x =
            batch.is_uint8 ? normalize_uint8_nhwc(batch.data, m.device()) : prepare_float_nchw(batch.data, m.device());
        return trainer->step(x, labels, req);
      },
      stats_to_js);
}

Napi::Value TrainerWrap::PretrainStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto trainer = this->trainer(env);
  auto batch = batch_from_js(info[0], trainer->model().device().is_cuda());
  auto labels = labels_from_js(info[1], batch.data.size(0));
  auto o = expect_object(info[2], "pretrain options");
  const double lr = get_number(o, "lr");
  if (!(lr >= 0)) throw Napi::TypeError::New(env, "lr must be finite and non-negative");
  const std::string kind = get_string(o, "optimizer");
  if (kind != "sgd" && kind != "adam") throw Napi::TypeError::New(env, "optimizer must be 'sgd' or 'adam'");
  const auto optimizer = kind == "adam" ? PretrainOptimizer::Adam : PretrainOptimizer::Sgd;
  return PromiseWorker<PretrainResult>::run(
      env, lock_,
      [trainer, batch, labels, lr, optimizer] {
        auto& m = trainer->model();
        auto x =
            batch.is_uint8 ? normalize_uint8_nhwc(batch.data, m.device()) : prepare_float_nchw(batch.data, m.device());
        return trainer->pretrain_step(x, labels, lr, optimizer);
      },
      [](Napi::Env env, PretrainResult& r) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("loss", r.loss);
        o.Set("correct", static_cast<double>(r.correct));
        o.Set("batchSize", static_cast<double>(r.batch_size));
        o.Set("finite", r.finite);
        return o;
      });
}

static int64_t snapshot_id_arg(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "snapshot id must be a number");
  double d = info[0].As<Napi::Number>().DoubleValue();
  if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d)))
    throw Napi::TypeError::New(info.Env(), "snapshot id must be a non-negative integer");
  return static_cast<int64_t>(d);
}

Napi::Value TrainerWrap::Snapshot(const Napi::CallbackInfo& info) {
  const int64_t id = snapshot_id_arg(info);
  auto trainer = this->trainer(info.Env());
  return PromiseWorker<int>::run(
      info.Env(), lock_, [trainer, id] { return trainer->pool().take(id), 0; },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); });
}

Napi::Value TrainerWrap::Release(const Napi::CallbackInfo& info) {
  const int64_t id = snapshot_id_arg(info);
  auto trainer = this->trainer(info.Env());
  return PromiseWorker<int>::run(
      info.Env(), lock_, [trainer, id] { return trainer->pool().release(id), 0; },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); });
}

Napi::Value TrainerWrap::PoolIds(const Napi::CallbackInfo& info) {
  auto trainer = this->trainer(info.Env());
  return PromiseWorker<std::vector<int64_t>>::run(
      info.Env(), lock_, [trainer] { return trainer->pool().ids(); },
      [](Napi::Env env, std::vector<int64_t>& ids) -> Napi::Value {
        auto a = Napi::Array::New(env, ids.size());
        for (size_t i = 0; i < ids.size(); ++i) a.Set(static_cast<uint32_t>(i), static_cast<double>(ids[i]));
        return a;
      });
}

// Small setters take the lock on the main thread: the JS queue keeps it free, and a direct call
// during a step waits for the step instead of racing it.
Napi::Value TrainerWrap::SetLearningRates(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "setLearningRates(lr, lrMapping) needs two numbers");
  const double lr = info[0].As<Napi::Number>().DoubleValue(), lrm = info[1].As<Napi::Number>().DoubleValue();
  if (!(lr >= 0) || !(lrm >= 0) || !std::isfinite(lr) || !std::isfinite(lrm))
    throw Napi::TypeError::New(env, "learning rates must be finite and non-negative");
  auto trainer = this->trainer(env);
  std::lock_guard<std::mutex> g(*lock_);
  trainer->set_learning_rates(lr, lrm);
  return env.Undefined();
}

Napi::Value TrainerWrap::SetLambdaR(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setLambdaR(value) needs a number");
  const double v = info[0].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || !std::isfinite(v)) throw Napi::TypeError::New(env, "lambdaR must be finite and non-negative");
  auto trainer = this->trainer(env);
  std::lock_guard<std::mutex> g(*lock_);
  trainer->set_lambda_r(v);
  return env.Undefined();
}

Napi::Value TrainerWrap::SaveCheckpoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString())
    throw Napi::TypeError::New(env, "saveCheckpoint(dir, stateJson) needs two strings");
  std::string dir = info[0].As<Napi::String>().Utf8Value(), json = info[1].As<Napi::String>().Utf8Value();
  auto trainer = this->trainer(info.Env());
  return PromiseWorker<int>::run(
      env, lock_, [trainer, dir, json] { return io::save_checkpoint(*trainer, dir, json), 0; },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); });
}

Napi::Value TrainerWrap::LoadCheckpoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "loadCheckpoint(dir) needs a string");
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  auto trainer = this->trainer(info.Env());
  return PromiseWorker<std::string>::run(
      env, lock_, [trainer, dir] { return io::load_checkpoint(*trainer, dir); },
      [](Napi::Env env, std::string& s) -> Napi::Value { return Napi::String::New(env, s); });
}

std::shared_ptr<Trainer> TrainerWrap::trainer(Napi::Env env) const {
  if (!trainer_) throw Napi::Error::New(env, "this Trainer was disposed; create a new one");
  return trainer_;
}

// Frees the optimiser state and the snapshot pool now instead of at garbage collection. A step in
// flight keeps its own reference and finishes first. Releasing the model reference lets the JS
// Model be collected even while this wrapper object is still reachable.
Napi::Value TrainerWrap::Dispose(const Napi::CallbackInfo& info) {
  trainer_.reset();
  if (!model_ref_.IsEmpty()) model_ref_.Reset();
  if (!group_ref_.IsEmpty()) group_ref_.Reset();
  release_free_memory();
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::BroadcastModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int root = 0;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 0)
      throw Napi::TypeError::New(env, "broadcastModel(root) needs a non-negative rank");
    root = info[0].As<Napi::Number>().Int32Value();
  }
  auto trainer = this->trainer(env);
  return PromiseWorker<int>::run(
      env, lock_, [trainer, root] { return trainer->broadcast_model(root), 0; },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); });
}

}  // namespace casm::binding
