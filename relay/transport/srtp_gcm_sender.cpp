#include "relay/transport/srtp_gcm_sender.hpp"

#include <cstring>
#include <stdexcept>

namespace medrelay::relay::transport {

namespace {

// SRTP KDF with the AES-CM PRF (RFC 3711 §4.3.1-4.3.3), key derivation rate 0: the keystream
// for `label` is AES-CTR under the master key from the block (salt14 XOR label at byte 7) || 00 00.
void deriveKey(std::span<const uint8_t> masterKey, const std::array<uint8_t, 14>& salt,
               uint8_t label, std::span<uint8_t> out) {
  std::array<uint8_t, 16> block{};
  std::memcpy(block.data(), salt.data(), salt.size());
  block[7] ^= label;
  std::array<uint8_t, 32> zeros{}, stream{};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int written = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, masterKey.data(), block.data()) == 1 &&
      EVP_EncryptUpdate(ctx, stream.data(), &written, zeros.data(), static_cast<int>(out.size())) ==
          1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SRTP key derivation failed");
  std::memcpy(out.data(), stream.data(), out.size());
  OPENSSL_cleanse(stream.data(), stream.size());
}

}  // namespace

SrtpGcmSender::SrtpGcmSender(std::span<const uint8_t> masterKey,
                             std::span<const uint8_t> masterSalt) {
  if (masterKey.size() != 16 || masterSalt.size() != 12) {
    throw std::runtime_error("AEAD_AES_128_GCM takes a 16-byte key and a 12-byte salt");
  }
  std::array<uint8_t, 14> salt{};  // the 96-bit master salt, zero-padded to 112 bits
  std::memcpy(salt.data(), masterSalt.data(), masterSalt.size());
  std::array<uint8_t, 16> sessionKey{};
  deriveKey(masterKey, salt, 0x00, sessionKey);    // SRTP encryption key
  deriveKey(masterKey, salt, 0x02, sessionSalt_);  // SRTP salting key
  context_ = EVP_CIPHER_CTX_new();
  bool ok = context_ &&
            EVP_EncryptInit_ex(context_, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(context_, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_EncryptInit_ex(context_, nullptr, nullptr, sessionKey.data(), nullptr) == 1;
  OPENSSL_cleanse(sessionKey.data(), sessionKey.size());
  if (!ok) {
    EVP_CIPHER_CTX_free(context_);
    throw std::runtime_error("OpenSSL refused AES-128-GCM");
  }
}

SrtpGcmSender::~SrtpGcmSender() {
  EVP_CIPHER_CTX_free(context_);
  OPENSSL_cleanse(sessionSalt_.data(), sessionSalt_.size());
}

bool SrtpGcmSender::protect(std::span<uint8_t> buffer, size_t& length) {
  if (length < 12 || length > buffer.size() || buffer.size() - length < kTagLength ||
      length > 65535 || (buffer[0] >> 6) != 2) {
    return false;
  }
  // The header (authenticated, not encrypted): fixed part, CSRCs, extension.
  size_t header = 12 + 4 * static_cast<size_t>(buffer[0] & 0x0F);
  if ((buffer[0] & 0x10) != 0) {
    if (header + 4 > length) return false;
    header += 4 + 4 * ((size_t{buffer[header + 2]} << 8) | buffer[header + 3]);
  }
  if (header > length) return false;
  const uint16_t sequence = static_cast<uint16_t>((buffer[2] << 8) | buffer[3]);
  const uint32_t ssrc = (uint32_t{buffer[8]} << 24) | (uint32_t{buffer[9]} << 16) |
                        (uint32_t{buffer[10]} << 8) | buffer[11];
  const auto reservation = guard_.reserve(ssrc, sequence);
  if (!reservation) return false;
  const uint64_t index = reservation->index;
  // RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR the session salt.
  std::array<uint8_t, 12> iv{};
  for (int i = 0; i < 4; ++i)
    iv[2 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i)
    iv[6 + i] = static_cast<uint8_t>(index >> (40 - 8 * i));
  for (size_t i = 0; i < iv.size(); ++i)
    iv[i] ^= sessionSalt_[i];
  int written = 0;
  uint8_t* payload = buffer.data() + header;
  const int payloadLength = static_cast<int>(length - header);
  if (EVP_EncryptInit_ex(context_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(context_, nullptr, &written, buffer.data(), static_cast<int>(header)) !=
          1 ||
      EVP_EncryptUpdate(context_, payload, &written, payload, payloadLength) != 1 ||
      EVP_EncryptFinal_ex(context_, payload + written, &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(context_, EVP_CTRL_GCM_GET_TAG, kTagLength, buffer.data() + length) !=
          1) {
    return false;
  }
  uint64_t tag = 0;
  std::memcpy(&tag, buffer.data() + length, sizeof tag);
  if (!guard_.commit(*reservation, tag)) {
    OPENSSL_cleanse(payload, static_cast<size_t>(payloadLength) + kTagLength);
    return false;
  }
  length += kTagLength;
  return true;
}

}  // namespace medrelay::relay::transport
