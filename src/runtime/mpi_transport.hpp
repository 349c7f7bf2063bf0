// The one MPI transport: encoded messages as plain bytes, one tag per message type.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/request.hpp>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "protocol/messages.hpp"
#include "launch/launch_env.hpp"
#include "protocol/wire.hpp"

namespace drover {

// Call before MPI starts, with the launcher's view of this node. Open MPI
// 4.1's shared-memory transport (vader) moves a message above its eager
// limit by a single copy (CMA); from 8 ranks on a node, with rank 0 the slow
// receiver, every sending rank's memory then grows without bound (1.2 GB per
// worker after 76 s at 8 ranks; flat at 3, 4 and 6; open-mpi/ompi#6565
// describes such a leak). Its copy-in/copy-out path keeps them flat at 20 MB
// but costs 20 % of 1e8 squares at 2 ranks (265 against 318 M/s, medians of
// 11), so drover asks for it from 8 ranks on a node only, and never when the
// user chose (OMPI_MCA_btl_vader_single_copy_mechanism set).
void tune_mpi_before_init(const LaunchEnv& launch);

// Used by exactly one thread per rank. Sends never block (isend, with the
// buffer kept until MPI is done with it); receives are polled.
class MpiTransport {
 public:
  explicit MpiTransport(const boost::mpi::communicator& comm) : comm_(comm) {}
  ~MpiTransport();

  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }

  template <class Message>
  void send(int rank, Tag tag, const Message& message) {
    Bytes& buffer = acquire_buffer();
    encode(message, buffer);
    start_send(rank, tag, buffer);
  }
  void send_empty(int rank, Tag tag);

  struct Incoming {
    int source = 0;
    Tag tag = Tag::stop;
    std::span<const char> bytes;  // valid until the next poll or receive
  };
  // The next message that has arrived, if any; also completes finished sends.
  std::optional<Incoming> poll();
  // Blocks for the next message with `tag` (start-up only, where there is
  // nothing else to do).
  Incoming receive(Tag tag);
  // Waits until every send has completed (before Finalize, so none is lost).
  void flush();
  // Sends not yet completed (rank 0 has not taken them), after completing what it can.
  std::size_t unfinished_sends() {
    complete_sends();
    return pending_.size();
  }

 private:
  struct PendingSend {
    boost::mpi::request request;
    Bytes* buffer;
  };
  Bytes& acquire_buffer();
  void start_send(int rank, Tag tag, Bytes& buffer);
  void complete_sends();
  Incoming take(const boost::mpi::status& status);

  boost::mpi::communicator comm_;
  std::deque<PendingSend> pending_;
  std::vector<std::unique_ptr<Bytes>> buffers_;  // owns every buffer
  std::vector<Bytes*> free_buffers_;             // recycled, capacity kept
  Bytes inbox_;
};

}  // namespace drover
