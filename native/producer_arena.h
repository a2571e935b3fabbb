// The producer's arena path (Producer::ProduceArena, in producer_arena.cc): the keys and
// values of a batch packed by JS into one Buffer, which librdkafka reads without copying;
// the Buffer is kept alive until the last delivery report of its messages.
//
// A message's opaque (its delivery report's _private) tells the two paths apart: either the
// message's JS id, tagged in the low bit ((id << 1) | 1), or a pointer to the arena slot
// (aligned, low bit 0) of a message whose payload lives in an arena.
#pragma once
#include "pump.h"

namespace octokafka {

// The opaque of a message produced with a copy of its payload.
void* TagId(double id);

// The JS id of the message a delivery report with `opaque` is for. The last report of an
// arena's messages releases the arena, on the JS thread, through `pump`. May throw
// (allocation failure).
double DeliveredId(void* opaque, Pump& pump);

}  // namespace octokafka
