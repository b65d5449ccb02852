// Module entry: exports Model, Trainer, ProcessGroup, versions(), environment(), setThreads().
#include <napi.h>

#include <cstdlib>
#include <thread>

#include "convert.h"
#include "model_wrap.h"
#include "process_group_wrap.h"
#include "trainer_wrap.h"

#include "../native/env/cuda_runtime.h"
#include "../native/env/environment.h"
#include "../native/env/malloc_tuning.h"

namespace casm::binding {

static Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto e = env::describe();
  auto o = Napi::Object::New(env);
  o.Set("libtorch", e.torch_version);
  o.Set("cuda", e.cuda_version.empty() ? env.Null() : Napi::String::New(env, e.cuda_version));
  o.Set("cudnn", e.cudnn_version.empty() ? env.Null() : Napi::String::New(env, e.cudnn_version));
  o.Set("addon", CASM_ADDON_VERSION);
  o.Set("abi", e.cxx11_abi);
  return o;
}

static Napi::Value Environment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&] {
    auto e = env::describe();
    auto o = Napi::Object::New(env);
    o.Set("cudaAvailable", e.cuda_available);
    o.Set("cudaDevices", e.cuda_devices);
    o.Set("threads", e.threads);
    o.Set("mkldnn", e.mkldnn);
    auto backends = Napi::Array::New(env, e.distributed_backends.size());
    for (size_t i = 0; i < e.distributed_backends.size(); ++i)
      backends.Set(static_cast<uint32_t>(i), e.distributed_backends[i]);
    o.Set("distributed", backends);
    return o;
  });
}

static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1)
    throw Napi::TypeError::New(env, "setThreads(n) needs a positive integer");
  env::set_threads(info[0].As<Napi::Number>().Int32Value());
  return env.Undefined();
}

static int device_arg(const Napi::CallbackInfo& info) {
  if (info.Length() == 0 || info[0].IsUndefined()) return 0;
  if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 0)
    throw Napi::TypeError::New(info.Env(), "device index must be a non-negative integer");
  return info[0].As<Napi::Number>().Int32Value();
}

// Caching-allocator statistics of a CUDA device, or null (CPU build or no GPU).
static Napi::Value CudaMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int device = device_arg(info);
  return guard(env, [&]() -> Napi::Value {
    auto m = env::cuda_memory(device);
    if (!m) return env.Null();
    auto o = Napi::Object::New(env);
    o.Set("allocated", static_cast<double>(m->allocated));
    o.Set("peak", static_cast<double>(m->peak));
    o.Set("reserved", static_cast<double>(m->reserved));
    return o;
  });
}

static Napi::Value ResetCudaPeak(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int device = device_arg(info);
  guard(env, [&] { return env::reset_cuda_peak(device), 0; });
  return env.Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env::tune_malloc_for_tensors();
  // Some OpenMP builds (Debian's among them) start with one thread; use every core unless the
  // user chose a number with OMP_NUM_THREADS.
  if (!std::getenv("OMP_NUM_THREADS")) env::set_threads(static_cast<int>(std::thread::hardware_concurrency()));
  exports.Set("Model", ModelWrap::Define(env));
  exports.Set("Trainer", TrainerWrap::Define(env));
  exports.Set("ProcessGroup", ProcessGroupWrap::Define(env));
  exports.Set("versions", Napi::Function::New(env, Versions));
  exports.Set("environment", Napi::Function::New(env, Environment));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("cudaMemory", Napi::Function::New(env, CudaMemory));
  exports.Set("resetCudaPeak", Napi::Function::New(env, ResetCudaPeak));
  return exports;
}

}  // namespace casm::binding

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return casm::binding::Init(env, exports); }

NODE_API_MODULE(casm_native, InitAddon)
