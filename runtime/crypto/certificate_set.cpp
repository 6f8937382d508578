#include "runtime/crypto/signature_scheme.hpp"

#include <string>

namespace bystack::crypto {

result<void> certificate_scheme::verify_all(const validator_set& set, const qc_list& qcs,
                                            const hash256& digest, std::size_t threshold,
                                            crypto_meter& meter) const {
  if (qcs.empty()) return make_error("no certificates");
  signer_bitmap all(set.size());
  for (std::size_t i = 0; i < qcs.size(); ++i) {
    const auto& qc = qcs[i];
    if (qc.digest != digest)
      return make_error("certificate " + std::to_string(i) + " signs another digest");
    if (auto ok = verify(set, qc, 1, meter); !ok)
      return make_error("certificate " + std::to_string(i) + ": " + ok.err().message);
    all.merge(qc.signers);
  }
  if (auto n = all.count(); n < threshold)
    return make_error(std::to_string(n) + " distinct signers, threshold " +
                      std::to_string(threshold));
  return {};
}

quorum_certificate
certificate_scheme::merge_disjoint(std::span<const quorum_certificate* const> qcs,
                                   const signer_bitmap& /*all*/) const {
  quorum_certificate merged = *qcs.front();
  for (std::size_t i = 1; i < qcs.size(); ++i)
    (void)merge(merged, *qcs[i]);
  return merged;
}

result<void> certificate_scheme::verify_shared(const validator_set& set,
                                               const quorum_certificate& qc,
                                               const std::shared_ptr<const void>& /*owner*/,
                                               std::size_t threshold, crypto_meter& meter) const {
  return verify(set, qc, threshold, meter);
}

result<void> certificate_scheme::verify_all_shared(const validator_set& set, const qc_list& qcs,
                                                   const std::shared_ptr<const void>& /*owner*/,
                                                   const hash256& digest, std::size_t threshold,
                                                   crypto_meter& meter) const {
  return verify_all(set, qcs, digest, threshold, meter);
}

} // namespace bystack::crypto
