@0xb7c2a1e5f3d49a61;
# The wire format of the consensus messages (runtime/protocol/messages.hpp).
#
# Hashes and public keys travel as Data of exactly 32 bytes; the decoder checks every size, so
# that what decodes without an error is a well-formed C++ value. Field numbers are the contract:
# add fields at the end, never renumber.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bystack::codec::wire");

struct Transaction {
  sender @0 :Data;       # public key, 32 bytes
  nonce @1 :UInt64;
  payload @2 :Data;      # at most ledger::max_tx_payload_bytes
  signature @3 :Data;    # over the transaction id, at most 256 bytes
}

struct BlockHeader {
  height @0 :UInt64;
  view @1 :UInt64;
  parentView @2 :UInt64;
  parent @3 :Data;       # 32 bytes
  txRoot @4 :Data;       # 32 bytes, must equal the Merkle root of the block's transactions
  timestampMs @5 :UInt64;
  proposer @6 :UInt32;
  txCount @7 :UInt32;    # must equal the number of transactions
}

struct Block {
  header @0 :BlockHeader;
  txs @1 :List(Transaction);
}

enum CertKind {
  signatureList @0;
  aggregate @1;
}

struct QuorumCertificate {
  digest @0 :Data;               # 32 bytes
  kind @1 :CertKind;
  bitmapSize @2 :UInt32;         # the size of the validator set the bitmap ranges over
  bitmapWords @3 :List(UInt64);  # ceil(bitmapSize / 64) words, no bit at or beyond bitmapSize
  signatures @4 :List(Data);     # one per signer (signatureList) or at most one (aggregate)
}

struct BlockCertificate {
  height @0 :UInt64;
  view @1 :UInt64;
  blockHash @2 :Data;            # 32 bytes
  certs @3 :List(QuorumCertificate);
}

struct ViewChange {
  view @0 :UInt64;
  sender @1 :UInt32;
  rehomeTo @2 :UInt32;
  highQcView @3 :UInt64;
  highQc @4 :BlockCertificate;
  signature @5 :Data;
}

struct TimeoutCertificate {
  view @0 :UInt64;
  votes @1 :List(ViewChange);
}

struct Proposal {
  block @0 :Block;               # required
  leader @1 :UInt32;
  justify @2 :BlockCertificate;
  tc @3 :TimeoutCertificate;     # absent unless the leader came in through a timeout
  signature @4 :Data;
}

struct Vote {
  height @0 :UInt64;
  view @1 :UInt64;
  blockHash @2 :Data;
  voter @3 :UInt32;
  signature @4 :Data;
}

struct GroupCertificate {
  height @0 :UInt64;
  view @1 :UInt64;
  blockHash @2 :Data;
  superNode @3 :UInt32;
  qc @4 :QuorumCertificate;
}

struct CommitCertificate {
  superNode @0 :UInt32;
  cert @1 :BlockCertificate;
}

struct SyncRequest {
  sender @0 :UInt32;
  maxBlocks @1 :UInt32;
  fromHeight @2 :UInt64;
}

struct CommittedBlock {
  block @0 :Block;               # required
  cert @1 :BlockCertificate;
}

struct SyncResponse {
  sender @0 :UInt32;
  blocks @1 :List(CommittedBlock);
}

struct TxBatch {
  sender @0 :UInt32;
  txs @1 :List(Transaction);
}

struct TxAnnounce {
  sender @0 :UInt32;
  ids @1 :List(Data);            # 32 bytes each
}

struct TxRequest {
  sender @0 :UInt32;
  ids @1 :List(Data);            # 32 bytes each
}

struct CompactProposal {
  header @0 :BlockHeader;        # required
  leader @1 :UInt32;
  justify @2 :BlockCertificate;  # required
  tc @3 :TimeoutCertificate;
  signature @4 :Data;
  salt @5 :UInt64;
  shortIdBytes @6 :UInt32;       # 1 to 8
  batchCount @7 :UInt32;
  shortIds @8 :Data;             # shortIdBytes per batch not prefilled
  prefilledIndex @9 :List(UInt32);
  prefilled @10 :List(TxBatch);
}

struct BlockRequest {
  sender @0 :UInt32;
  view @1 :UInt64;
  blockHash @2 :Data;
  indexes @3 :List(UInt32);
}

struct BlockBatches {
  sender @0 :UInt32;
  blockHash @1 :Data;
  indexes @2 :List(UInt32);
  batches @3 :List(TxBatch);
}

# The root of every consensus message; the union discriminant says which kind it is. A decoder
# that meets a discriminant it does not know rejects the message.
struct Message {
  union {
    proposal @0 :Proposal;
    vote @1 :Vote;
    groupCertificate @2 :GroupCertificate;
    commitCertificate @3 :CommitCertificate;
    viewChange @4 :ViewChange;
    syncRequest @5 :SyncRequest;
    syncResponse @6 :SyncResponse;
    txBatch @7 :TxBatch;
    timeoutCertificate @8 :TimeoutCertificate;
    txAnnounce @9 :TxAnnounce;
    txRequest @10 :TxRequest;
    compactProposal @11 :CompactProposal;
    blockRequest @12 :BlockRequest;
    blockBatches @13 :BlockBatches;
  }
}
