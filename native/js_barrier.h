// The exception barrier of the methods JS calls. node-addon-api hands only Napi::Error on to
// JS: any other exception leaving such a method (std::bad_alloc, a std::length_error from a
// container) would unwind into Node-API's C frames and end the process. Each client class
// sends every JS-called method and its constructor through here (see client_wrap.h).
#pragma once
#include <napi.h>

#include <exception>
#include <new>
#include <string>

namespace octokafka {

// Runs `body`; a Napi::Error passes unchanged, any other exception becomes a JS Error whose
// message starts with `what` (the method's JS name).
template <typename Body>
auto JsBarrier(Napi::Env env, const char* what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(what) + ": " + e.what());
  } catch (...) {
    throw Napi::Error::New(env, std::string(what) + ": internal error");
  }
}

}  // namespace octokafka
