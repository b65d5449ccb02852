// Conversions at the JS boundary: option objects, batches (uint8 NHWC / float32 NCHW) and
// results. Argument checks here throw TypeError synchronously, before any work is queued.
#pragma once

#include <napi.h>

#include "../native/compat.h"

#include <string>
#include <vector>

namespace casm::binding {

Napi::Error make_error(Napi::Env env, const std::string& message, bool type_error);

// Runs `f`, turning C++ exceptions into JS exceptions (for the synchronous methods).
template <typename F>
auto guard(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw make_error(env, e.what(), true);
  } catch (const c10::Error& e) {
    throw make_error(env, e.what_without_backtrace(), false);
  } catch (const std::exception& e) {
    throw make_error(env, e.what(), false);
  }
}

Napi::Object expect_object(const Napi::Value& v, const std::string& what);
// Every option is required: the defaults live in one table on the TypeScript side
// (src/native/defaults.ts), which fills each option before calling in. A missing one is a
// TypeError naming it, never a silent default of the binding's own.
std::string get_string(const Napi::Object& o, const char* key);
double get_number(const Napi::Object& o, const char* key);
int64_t get_int(const Napi::Object& o, const char* key);
bool get_bool(const Napi::Object& o, const char* key);
std::vector<int64_t> get_int_array(const Napi::Object& o, const char* key);

// Copies a JS batch into a CPU tensor: uint8 [N,H,W,3] or float32 [N,3,H,W]. The copy is
// deliberate: the caller may reuse its buffer as soon as the call returns.
struct HostBatch {
  torch::Tensor data;
  bool is_uint8 = false;
};
// pinned: page-locked host memory (for CUDA models), so the upload can run asynchronously.
HostBatch batch_from_js(const Napi::Value& v, bool pinned = false);
torch::Tensor labels_from_js(const Napi::Value& v, int64_t n);

Napi::Float32Array float32_from_tensor(Napi::Env env, const torch::Tensor& t);
Napi::Uint8Array uint8_from_tensor(Napi::Env env, const torch::Tensor& t);
Napi::Array shape_to_js(Napi::Env env, at::IntArrayRef sizes);

}  // namespace casm::binding
