#include "convert.h"

#include <cmath>
#include <cstring>

namespace casm::binding {

Napi::Error make_error(Napi::Env env, const std::string& message, bool type_error) {
  return type_error ? Napi::TypeError::New(env, message) : Napi::Error::New(env, message);
}

static Napi::TypeError type_error(Napi::Env env, const std::string& m) { return Napi::TypeError::New(env, m); }

Napi::Object expect_object(const Napi::Value& v, const std::string& what) {
  if (!v.IsObject()) throw type_error(v.Env(), what + " must be an object");
  return v.As<Napi::Object>();
}

// The option's value; throws when it is absent (undefined or null).
static Napi::Value required(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) throw type_error(o.Env(), std::string("option '") + key + "' is required");
  return v;
}

std::string get_string(const Napi::Object& o, const char* key) {
  Napi::Value v = required(o, key);
  if (!v.IsString()) throw type_error(o.Env(), std::string("option '") + key + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double get_number(const Napi::Object& o, const char* key) {
  Napi::Value v = required(o, key);
  if (!v.IsNumber()) throw type_error(o.Env(), std::string("option '") + key + "' must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw type_error(o.Env(), std::string("option '") + key + "' must be finite");
  return d;
}

int64_t get_int(const Napi::Object& o, const char* key) {
  double d = get_number(o, key);
  if (d != std::floor(d)) throw type_error(o.Env(), std::string("option '") + key + "' must be an integer");
  return static_cast<int64_t>(d);
}

bool get_bool(const Napi::Object& o, const char* key) {
  Napi::Value v = required(o, key);
  if (!v.IsBoolean()) throw type_error(o.Env(), std::string("option '") + key + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<int64_t> get_int_array(const Napi::Object& o, const char* key) {
  Napi::Value v = required(o, key);
  std::vector<int64_t> out;
  if (!v.IsArray()) throw type_error(o.Env(), std::string("option '") + key + "' must be an array of integers");
  auto a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw type_error(o.Env(), std::string("option '") + key + "' must be an array of integers");
    out.push_back(e.As<Napi::Number>().Int64Value());
  }
  return out;
}

HostBatch batch_from_js(const Napi::Value& v, bool pinned) {
  Napi::Env env = v.Env();
  auto o = expect_object(v, "batch");
  const std::string kind = get_string(o, "kind");
  const int64_t n = get_int(o, "n"), h = get_int(o, "h"), w = get_int(o, "w");
  if (n < 1 || h < 1 || w < 1 || n > 65536 || h > 8192 || w > 8192)
    throw type_error(env, "batch n, h, w must be positive (n ≤ 65536, h, w ≤ 8192)");
  Napi::Value data = o.Get("data");
  if (!data.IsTypedArray()) throw type_error(env, "batch.data must be a Uint8Array/Buffer or a Float32Array");
  auto ta = data.As<Napi::TypedArray>();
  const size_t count = static_cast<size_t>(n * h * w * 3);
  HostBatch b;
  if (kind == "uint8") {
    if (ta.TypedArrayType() != napi_uint8_array)
      throw type_error(env, "batch.kind 'uint8' needs a Uint8Array or Buffer");
    if (ta.ElementLength() != count)
      throw type_error(env, "uint8 batch has " + std::to_string(ta.ElementLength()) +
                                " bytes, expected n*h*w*3 = " + std::to_string(count));
    b.data = torch::empty({n, h, w, 3}, torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pinned));
    auto u8 = data.As<Napi::Uint8Array>();
    std::memcpy(b.data.data_ptr(), u8.Data(), count);
    b.is_uint8 = true;
  } else if (kind == "float32") {
    if (ta.TypedArrayType() != napi_float32_array) throw type_error(env, "batch.kind 'float32' needs a Float32Array");
    if (ta.ElementLength() != count)
      throw type_error(env, "float32 batch has " + std::to_string(ta.ElementLength()) +
                                " values, expected n*3*h*w = " + std::to_string(count));
    b.data = torch::empty({n, 3, h, w}, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned));
    auto f32 = data.As<Napi::Float32Array>();
    std::memcpy(b.data.data_ptr(), f32.Data(), count * sizeof(float));
  } else {
    throw type_error(env, "batch.kind must be 'uint8' or 'float32'");
  }
  return b;
}

torch::Tensor labels_from_js(const Napi::Value& v, int64_t n) {
  Napi::Env env = v.Env();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw type_error(env, "labels must be an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  if (static_cast<int64_t>(a.ElementLength()) != n)
    throw type_error(
        env, "labels has " + std::to_string(a.ElementLength()) + " entries for a batch of " + std::to_string(n));
  auto t = torch::empty({n}, torch::kInt32);
  std::memcpy(t.data_ptr(), a.Data(), static_cast<size_t>(n) * sizeof(int32_t));
  return t.to(torch::kInt64);
}

Napi::Float32Array float32_from_tensor(Napi::Env env, const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
  auto out = Napi::Float32Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(out.Data(), c.data_ptr(), static_cast<size_t>(c.numel()) * sizeof(float));
  return out;
}

Napi::Uint8Array uint8_from_tensor(Napi::Env env, const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kUInt8).contiguous();
  auto out = Napi::Uint8Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(out.Data(), c.data_ptr(), static_cast<size_t>(c.numel()));
  return out;
}

Napi::Array shape_to_js(Napi::Env env, at::IntArrayRef sizes) {
  auto a = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i)
    a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(sizes[i])));
  return a;
}

}  // namespace casm::binding
