// Encoding of protocol messages into flat byte buffers, sent by MPI as plain bytes.
#pragma once

#include <span>
#include <stdexcept>
#include <vector>

#include "protocol/messages.hpp"

namespace drover {

// A message that does not decode: a protocol bug or a version mismatch.
class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Each encode replaces `out`'s contents (its capacity is reused across calls,
// so a steady stream of batches allocates nothing). Each decode overwrites
// `out` (vectors keep their capacity) and throws WireError on short or
// inconsistent input.
void encode(const from_worker::Hello& message, Bytes& out);
void decode(std::span<const char> bytes, from_worker::Hello& out);

void encode(const to_worker::Welcome& message, Bytes& out);
void decode(std::span<const char> bytes, to_worker::Welcome& out);

void encode(const to_worker::Stop& message, Bytes& out);
void decode(std::span<const char> bytes, to_worker::Stop& out);

void encode(const to_worker::Revoke& message, Bytes& out);
void decode(std::span<const char> bytes, to_worker::Revoke& out);
void encode(const from_worker::Revoked& message, Bytes& out);
void decode(std::span<const char> bytes, from_worker::Revoked& out);

void encode(const from_worker::Output& m, Bytes& out);
void decode(std::span<const char> bytes, from_worker::Output& m);
void encode(const from_worker::StopRequest& message, Bytes& out);
void decode(std::span<const char> bytes, from_worker::StopRequest& out);
void encode(const from_worker::StopAck& message, Bytes& out);
void decode(std::span<const char> bytes, from_worker::StopAck& out);

void encode(const TaskBatch& message, Bytes& out);
void decode(std::span<const char> bytes, TaskBatch& out);

void encode(const ResultBatch& message, Bytes& out);
void decode(std::span<const char> bytes, ResultBatch& out);

}  // namespace drover
