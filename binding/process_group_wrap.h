// JS class ProcessGroup: this process's membership in a data-parallel group (c10d). Made by
// ProcessGroup.connect(options), whose Promise settles once every rank has joined; a Trainer
// given it as `processGroup` averages its updates over the group.
#pragma once

#include <napi.h>

#include "../native/distributed/process_group.h"

#include <memory>
#include <mutex>

namespace casm::binding {

class ProcessGroupWrap : public Napi::ObjectWrap<ProcessGroupWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static ProcessGroupWrap* Unwrap(const Napi::Value& v);
  // Only connect() constructs it (with the connected group as an External).
  explicit ProcessGroupWrap(const Napi::CallbackInfo& info);
  std::shared_ptr<dist::ProcessGroup> group() const { return group_; }

 private:
  static Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Rank(const Napi::CallbackInfo& info);
  Napi::Value WorldSize(const Napi::CallbackInfo& info);
  Napi::Value Backend(const Napi::CallbackInfo& info);
  Napi::Value AllEqual(const Napi::CallbackInfo& info);
  Napi::Value Any(const Napi::CallbackInfo& info);

  std::shared_ptr<dist::ProcessGroup> group_;
  // The group's own calls run one at a time; callers must still await them in the same order on
  // every rank (collectives match by order).
  std::shared_ptr<std::mutex> lock_ = std::make_shared<std::mutex>();
};

}  // namespace casm::binding
