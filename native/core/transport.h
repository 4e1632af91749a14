#pragma once
// What the core needs from whoever moves a connection's bytes (the IIS request in native/iis).

namespace cs {

class Transport {
 public:
  // Something changed for the transport to act on: bytes were queued, an end was asked for, or reading
  // was paused or resumed. Called from any thread, never with a core lock held.
  virtual void wake() = 0;

 protected:
  ~Transport() = default;
};

}  // namespace cs
