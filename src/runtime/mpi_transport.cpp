// The one MPI transport: encoded messages as plain bytes, one tag per message type.
#include "runtime/mpi_transport.hpp"

#include <mpi.h>

#include <boost/mpi/status.hpp>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

namespace drover {

void tune_mpi_before_init(const LaunchEnv& launch) {
  constexpr int kLeakingRanksPerNode = 8;
  if (launch.local_size.value_or(1) >= kLeakingRanksPerNode) {
    ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", /*overwrite=*/0);
  }
}

MpiTransport::~MpiTransport() {
  // Buffers must outlive their sends; flush() normally ran already.
  try {
    flush();
  } catch (...) {
  }
}

Bytes& MpiTransport::acquire_buffer() {
  if (!free_buffers_.empty()) {
    Bytes* b = free_buffers_.back();
    free_buffers_.pop_back();
    return *b;
  }
  buffers_.push_back(std::make_unique<Bytes>());
  return *buffers_.back();
}

void MpiTransport::start_send(int rank, Tag tag, Bytes& buffer) {
  // Boost.MPI sends a char array as MPI_CHAR directly: no serialization layer.
  boost::mpi::request r =
      comm_.isend(rank, static_cast<int>(tag), buffer.data(), static_cast<int>(buffer.size()));
  pending_.push_back(PendingSend{r, &buffer});
  complete_sends();
}

void MpiTransport::send_empty(int rank, Tag tag) {
  Bytes& buffer = acquire_buffer();
  buffer.clear();
  start_send(rank, tag, buffer);
}

void MpiTransport::complete_sends() {
  // Sends to one rank complete in order; testing from the front is enough to
  // recycle buffers without scanning every request.
  while (!pending_.empty() && pending_.front().request.test()) {
    free_buffers_.push_back(pending_.front().buffer);
    pending_.pop_front();
  }
}

MpiTransport::Incoming MpiTransport::take(const boost::mpi::status& status) {
  // MPI_Get_count directly: Boost's status::count<char>() draws a false
  // maybe-uninitialized warning from g++ 12 in sanitizer builds.
  int count = 0;
  MPI_Get_count(&static_cast<const MPI_Status&>(status), MPI_CHAR, &count);
  if (count < 0) throw std::runtime_error("MPI: message of unknown size");
  inbox_.resize(static_cast<std::size_t>(count));
  comm_.recv(status.source(), status.tag(), inbox_.data(), count);
  return Incoming{status.source(), static_cast<Tag>(status.tag()),
                  std::span<const char>(inbox_.data(), inbox_.size())};
}

std::optional<MpiTransport::Incoming> MpiTransport::poll() {
  complete_sends();
  const boost::optional<boost::mpi::status> status =
      comm_.iprobe(boost::mpi::any_source, boost::mpi::any_tag);
  if (!status) return std::nullopt;
  return take(*status);
}

MpiTransport::Incoming MpiTransport::receive(Tag tag) {
  return take(comm_.probe(boost::mpi::any_source, static_cast<int>(tag)));
}

void MpiTransport::flush() {
  for (PendingSend& p : pending_) {
    p.request.wait();
    free_buffers_.push_back(p.buffer);
  }
  pending_.clear();
}

}  // namespace drover
