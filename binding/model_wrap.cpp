#include "model_wrap.h"

#include "release_memory.h"
#include "worker.h"

#include "../native/casm/class_activation.h"
#include "../native/casm/infer.h"
#include "../native/casm/input.h"
#include "../native/io/checkpoint.h"
#include "../native/io/weights_import.h"

namespace casm::binding {

static Napi::FunctionReference* model_constructor = nullptr;

Napi::Function ModelWrap::Define(Napi::Env env) {
  Napi::Function f = DefineClass(
      env, "Model",
      {InstanceMethod("init", &ModelWrap::Init), InstanceMethod("info", &ModelWrap::Info),
       InstanceMethod("saliency", &ModelWrap::Saliency), InstanceMethod("activationMaps", &ModelWrap::ActivationMaps),
       InstanceMethod("importWeights", &ModelWrap::ImportWeights),
       InstanceMethod("saveWeights", &ModelWrap::SaveWeights), InstanceMethod("stateDict", &ModelWrap::StateDict),
       InstanceMethod("tapShapes", &ModelWrap::TapShapes), InstanceMethod("dispose", &ModelWrap::Dispose)});
  model_constructor = new Napi::FunctionReference(Napi::Persistent(f));
  return f;
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  guard(env, [&] {
    // Every field of ModelConfig is set here from a required option (src/native/defaults.ts
    // fills them); block and layers only mean something for arch 'custom', and only there are they read.
    auto o = expect_object(info[0], "Model options");
    config_ = ModelConfig{};
    config_.arch = get_string(o, "arch");
    const int64_t classes = get_int(o, "numClasses");
    const bool custom = config_.arch == "custom";
    config_.resnet = resnet_config(config_.arch, custom ? get_string(o, "block") : "",
                                   custom ? get_int_array(o, "layers") : std::vector<int64_t>{}, classes);
    config_.device = get_string(o, "device");
    parse_device(config_.device);  // fail here, synchronously, on a bad or unavailable device
    config_.separate_encoder = get_bool(o, "separateEncoder");
    const std::string up = get_string(o, "upsample");
    if (up != "nearest" && up != "bilinear") throw std::invalid_argument("upsample must be 'nearest' or 'bilinear'");
    config_.bilinear_final = up == "bilinear";
    const int64_t seed = get_int(o, "seed");
    if (seed < 0) throw std::invalid_argument("seed must be a non-negative integer");
    config_.seed = static_cast<uint64_t>(seed);
    return 0;
  });
}

ModelWrap* ModelWrap::Unwrap(const Napi::Value& v) {
  if (!v.IsObject() || !model_constructor || !v.As<Napi::Object>().InstanceOf(model_constructor->Value()))
    throw Napi::TypeError::New(v.Env(), "expected a native Model");
  return Napi::ObjectWrap<ModelWrap>::Unwrap(v.As<Napi::Object>());
}

std::shared_ptr<Model> ModelWrap::model(Napi::Env env) const {
  if (disposed_) throw Napi::Error::New(env, "this Model was disposed; create or load a new one");
  if (!model_) throw Napi::Error::New(env, "the model is not initialised: await model.init() first");
  return model_;
}

Napi::Value ModelWrap::Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (disposed_) throw Napi::Error::New(env, "this Model was disposed; create or load a new one");
  if (model_ || initialising_) throw Napi::Error::New(env, "init() was already called");
  initialising_ = true;
  auto config = config_;
  // The worker builds the model; OnOK stores it on the main thread, so model_ is never written
  // from two threads.
  Napi::ObjectReference self = Napi::Persistent(info.This().As<Napi::Object>());
  auto holder = std::make_shared<Napi::ObjectReference>(std::move(self));
  return PromiseWorker<std::shared_ptr<Model>>::run(
      env, lock_, [config] { return std::make_shared<Model>(config); },
      [this, holder](Napi::Env env, std::shared_ptr<Model>& m) -> Napi::Value {
        // dispose() during init: the freshly built networks are dropped right here.
        if (!disposed_) model_ = m;
        initialising_ = false;
        holder->Reset();
        return env.Undefined();
      });
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  const auto& c = m->config();
  auto o = Napi::Object::New(env);
  o.Set("arch", c.arch);
  o.Set("block", c.resnet.block);
  auto layers = Napi::Array::New(env, c.resnet.layers.size());
  for (size_t i = 0; i < c.resnet.layers.size(); ++i)
    layers.Set(static_cast<uint32_t>(i), static_cast<double>(c.resnet.layers[i]));
  o.Set("layers", layers);
  o.Set("numClasses", static_cast<double>(c.resnet.num_classes));
  o.Set("device", m->device().str());
  o.Set("separateEncoder", c.separate_encoder);
  o.Set("upsample", c.bilinear_final ? "bilinear" : "nearest");
  int64_t nc = 0, nd = 0;
  for (auto& p : m->classifier()->parameters()) nc += p.numel();
  for (auto& p : m->decoder()->parameters()) nd += p.numel();
  o.Set("classifierParameters", static_cast<double>(nc));
  o.Set("decoderParameters", static_cast<double>(nd));
  return o;
}

// {n, h, w, <key>: [n,h,w] float32, logits}: what saliency() and activationMaps() resolve to.
static Napi::Value maps_to_js(Napi::Env env, const char* key, const torch::Tensor& maps, const torch::Tensor& logits) {
  auto o = Napi::Object::New(env);
  o.Set("n", static_cast<double>(maps.size(0)));
  o.Set("h", static_cast<double>(maps.size(1)));
  o.Set("w", static_cast<double>(maps.size(2)));
  o.Set(key, float32_from_tensor(env, maps));
  o.Set("logits", float32_from_tensor(env, logits));
  return o;
}

Napi::Value ModelWrap::Saliency(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  auto batch = batch_from_js(info[0], m->device().is_cuda());
  const bool amp = guard(env, [&] { return get_bool(expect_object(info[1], "saliency options"), "amp"); });
  return PromiseWorker<SaliencyOutput>::run(
      env, lock_,
      [m, batch, amp] {
        auto x = batch.is_uint8 ? normalize_uint8_nhwc(batch.data, m->device())
                                : prepare_float_nchw(batch.data, m->device());
        return saliency(*m, x, amp);
      },
      [](Napi::Env env, SaliencyOutput& r) -> Napi::Value { return maps_to_js(env, "masks", r.masks, r.logits); });
}

Napi::Value ModelWrap::ActivationMaps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  auto batch = batch_from_js(info[0], m->device().is_cuda());
  auto classes = labels_from_js(info[1], batch.data.size(0));
  auto [method, tap] = guard(env, [&] {
    auto o = expect_object(info[2], "activationMaps options");
    const std::string name = get_string(o, "method"), layer = get_string(o, "layer");
    if (name != "cam" && name != "gradcam") throw std::invalid_argument("method must be 'cam' or 'gradcam'");
    if (layer != "l1" && layer != "l2" && layer != "l3" && layer != "l4")
      throw std::invalid_argument("layer must be 'l1', 'l2', 'l3' or 'l4'");
    return std::make_pair(name == "cam" ? ActivationMapMethod::Cam : ActivationMapMethod::GradCam, layer[1] - '0');
  });
  return PromiseWorker<ActivationMapOutput>::run(
      env, lock_,
      [m, batch, classes, method, tap] {
        auto x = batch.is_uint8 ? normalize_uint8_nhwc(batch.data, m->device())
                                : prepare_float_nchw(batch.data, m->device());
        return class_activation_maps(*m, x, classes, method, tap);
      },
      [](Napi::Env env, ActivationMapOutput& r) -> Napi::Value { return maps_to_js(env, "maps", r.maps, r.logits); });
}

Napi::Value ModelWrap::ImportWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "importWeights(path): path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  auto o = expect_object(info[1], "importWeights options");
  const std::string prefix = get_string(o, "prefix");
  const bool strict = get_bool(o, "strict");
  if (!prefix.empty() && prefix != "classifier." && prefix != "decoder." && prefix != "encoder.")
    throw Napi::TypeError::New(env, "prefix must be '', 'classifier.', 'decoder.' or 'encoder.'");
  return PromiseWorker<io::ImportReport>::run(
      env, lock_, [m, path, prefix, strict] { return io::import_weights(*m, path, prefix, strict); },
      [](Napi::Env env, io::ImportReport& r) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("loaded", static_cast<double>(r.loaded));
        auto s = Napi::Array::New(env, r.skipped.size());
        for (size_t i = 0; i < r.skipped.size(); ++i) s.Set(static_cast<uint32_t>(i), r.skipped[i]);
        o.Set("skipped", s);
        return o;
      });
}

Napi::Value ModelWrap::SaveWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "saveWeights(path): path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return PromiseWorker<int>::run(
      env, lock_, [m, path] { return io::save_model_weights(*m, path), 0; },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); });
}

Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  std::string prefix = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  return PromiseWorker<NamedTensors>::run(
      env, lock_,
      [m, prefix] {
        NamedTensors out;
        for (auto& [n, t] : m->state())
          if (n.rfind(prefix, 0) == 0) out.emplace_back(n, t.detach().to(torch::kCPU, torch::kFloat32).contiguous());
        return out;
      },
      [](Napi::Env env, NamedTensors& r) -> Napi::Value {
        auto o = Napi::Object::New(env);
        for (auto& [n, t] : r) {
          auto e = Napi::Object::New(env);
          e.Set("shape", shape_to_js(env, t.sizes()));
          e.Set("data", float32_from_tensor(env, t));
          o.Set(n, e);
        }
        return o;
      });
}

Napi::Value ModelWrap::TapShapes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  if (!info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "tapShapes(h, w) needs two numbers");
  const int64_t h = info[0].As<Napi::Number>().Int64Value(), w = info[1].As<Napi::Number>().Int64Value();
  guard(env, [&] { return check_spatial_size(h, w), 0; });
  return PromiseWorker<NamedTensors>::run(
      env, lock_,
      [m, h, w] {
        torch::NoGradGuard g;
        EvalModeScope eval_c(*m->classifier()), eval_d(*m->decoder());
        auto x = torch::zeros({1, 3, h, w}, torch::TensorOptions().device(m->device()));
        auto [logits, taps] = m->classifier()->forward(x);
        NamedTensors out;
        for (int i = 0; i < 5; ++i) out.emplace_back("l" + std::to_string(i), taps[i]);
        out.emplace_back("logits", logits);
        out.emplace_back("mask", m->decoder()->forward(taps));
        return out;
      },
      [](Napi::Env env, NamedTensors& r) -> Napi::Value {
        auto o = Napi::Object::New(env);
        for (auto& [n, t] : r) o.Set(n, shape_to_js(env, t.sizes()));
        return o;
      });
}

// Drops this wrapper's reference to the networks. Workers already running hold their own
// reference, so the memory goes when the last of them finishes, never under their feet; a trainer
// holds one too (the JS Model disposes its trainers first).
Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  model_.reset();
  release_free_memory();
  return info.Env().Undefined();
}

}  // namespace casm::binding
