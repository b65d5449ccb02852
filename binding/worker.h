// One AsyncWorker for every LibTorch call: the work runs on a libuv thread, the result is turned
// into JS on the main thread, and every C++ exception becomes a rejected Promise (TypeError for
// argument problems, Error otherwise) instead of reaching std::terminate.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "convert.h"

namespace casm::binding {

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  // `lock` serialises calls on one model (nullptr: no lock needed).
  static Napi::Promise run(Napi::Env env, std::shared_ptr<std::mutex> lock, Work work, ToJs to_js) {
    auto* w = new PromiseWorker(env, std::move(lock), std::move(work), std::move(to_js));
    auto promise = w->deferred_.Promise();
    w->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      std::unique_lock<std::mutex> guard;
      if (lock_) guard = std::unique_lock<std::mutex>(*lock_);
      result_ = work_();
    } catch (const std::invalid_argument& e) {
      type_error_ = true;
      message_ = e.what();
    } catch (const c10::Error& e) {
      message_ = e.what_without_backtrace();
    } catch (const std::exception& e) {
      message_ = e.what();
    } catch (...) {
      message_ = "unknown native error";
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!message_.empty()) {
      deferred_.Reject(make_error(env, message_, type_error_).Value());
      return;
    }
    try {
      deferred_.Resolve(to_js_(env, result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred_.Reject(make_error(env, e.what(), false).Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  PromiseWorker(Napi::Env env, std::shared_ptr<std::mutex> lock, Work work, ToJs to_js)
      : Napi::AsyncWorker(env, "casm-native"),
        deferred_(Napi::Promise::Deferred::New(env)),
        lock_(std::move(lock)),
        work_(std::move(work)),
        to_js_(std::move(to_js)) {}

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<std::mutex> lock_;
  Work work_;
  ToJs to_js_;
  Result result_{};
  std::string message_;
  bool type_error_ = false;
};

}  // namespace casm::binding
