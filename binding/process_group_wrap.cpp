#include "process_group_wrap.h"

#include "worker.h"

#include "../native/casm/model.h"

#include <cmath>

namespace casm::binding {

static Napi::FunctionReference* group_constructor = nullptr;

Napi::Function ProcessGroupWrap::Define(Napi::Env env) {
  Napi::Function f = DefineClass(
      env, "ProcessGroup",
      {StaticMethod("connect", &ProcessGroupWrap::Connect), InstanceAccessor("rank", &ProcessGroupWrap::Rank, nullptr),
       InstanceAccessor("worldSize", &ProcessGroupWrap::WorldSize, nullptr),
       InstanceAccessor("backend", &ProcessGroupWrap::Backend, nullptr),
       InstanceMethod("allEqual", &ProcessGroupWrap::AllEqual), InstanceMethod("any", &ProcessGroupWrap::Any)});
  group_constructor = new Napi::FunctionReference(Napi::Persistent(f));
  return f;
}

ProcessGroupWrap* ProcessGroupWrap::Unwrap(const Napi::Value& v) {
  if (!v.IsObject() || !group_constructor || !v.As<Napi::Object>().InstanceOf(group_constructor->Value()))
    throw Napi::TypeError::New(v.Env(), "expected a native ProcessGroup (from ProcessGroup.connect)");
  return Napi::ObjectWrap<ProcessGroupWrap>::Unwrap(v.As<Napi::Object>());
}

using GroupHandle = std::shared_ptr<dist::ProcessGroup>;

ProcessGroupWrap::ProcessGroupWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProcessGroupWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(info.Env(), "use ProcessGroup.connect(options) to join a process group");
  group_ = *info[0].As<Napi::External<GroupHandle>>().Data();
}

Napi::Value ProcessGroupWrap::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dist::GroupOptions o{};
  guard(env, [&] {
    auto opts = expect_object(info[0], "ProcessGroup options");
    // Every field of GroupOptions is set here from a required option (src/native/defaults.ts fills them).
    o.rank = static_cast<int>(get_int(opts, "rank"));
    o.world_size = static_cast<int>(get_int(opts, "worldSize"));
    o.master_addr = get_string(opts, "masterAddr");
    o.master_port = static_cast<int>(get_int(opts, "masterPort"));
    const double timeout_s = get_number(opts, "timeoutSeconds");
    if (!(timeout_s > 0) || !std::isfinite(timeout_s)) throw std::invalid_argument("timeoutSeconds must be positive");
    o.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    o.backend = get_string(opts, "backend");
    o.device = parse_device(get_string(opts, "device"));
    if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size)
      throw std::invalid_argument("rank must be in 0..worldSize-1 (got rank " + std::to_string(o.rank) +
                                  ", worldSize " + std::to_string(o.world_size) + ")");
    return 0;
  });
  // No lock: the rendezvous only blocks this call's worker thread.
  return PromiseWorker<GroupHandle>::run(
      env, nullptr, [o] { return dist::ProcessGroup::connect(o); },
      [](Napi::Env env, GroupHandle& g) -> Napi::Value {
        auto handle =
            Napi::External<GroupHandle>::New(env, new GroupHandle(g), [](Napi::Env, GroupHandle* p) { delete p; });
        return group_constructor->New({handle});
      });
}

Napi::Value ProcessGroupWrap::Rank(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), group_->rank());
}
Napi::Value ProcessGroupWrap::WorldSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), group_->world_size());
}
Napi::Value ProcessGroupWrap::Backend(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), group_->backend());
}

// FNV-1a: a stable 63-bit digest of the text (std::hash may differ between machines).
static int64_t digest(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return static_cast<int64_t>(h >> 1);
}

Napi::Value ProcessGroupWrap::AllEqual(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "allEqual(text) needs a string");
  const int64_t value = digest(info[0].As<Napi::String>().Utf8Value());
  auto group = group_;
  return PromiseWorker<bool>::run(
      env, lock_, [group, value] { return group->all_equal(value); },
      [](Napi::Env env, bool& same) -> Napi::Value { return Napi::Boolean::New(env, same); });
}

Napi::Value ProcessGroupWrap::Any(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "any(flag) needs a boolean");
  const bool flag = info[0].As<Napi::Boolean>().Value();
  auto group = group_;
  return PromiseWorker<bool>::run(
      env, lock_, [group, flag] { return group->any(flag); },
      [](Napi::Env env, bool& result) -> Napi::Value { return Napi::Boolean::New(env, result); });
}

}  // namespace casm::binding
