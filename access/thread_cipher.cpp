#include "access/thread_cipher.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>
#include <stdexcept>

#include "access/sqlite_database.hpp"

namespace medrelay::access {

namespace {

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

unsigned char* bytes(std::string& text) {
  return reinterpret_cast<unsigned char*>(text.data());
}

}  // namespace

ThreadCipher::ThreadCipher(std::string key) : key_(std::move(key)) {
  if (key_.size() != kKeyBytes) {
    OPENSSL_cleanse(key_.data(), key_.size());
    throw std::invalid_argument("the thread key must be 32 bytes");
  }
}

ThreadCipher::~ThreadCipher() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

SealedText ThreadCipher::seal(std::string_view plaintext, std::string_view associatedData) const {
  if (plaintext.size() > INT_MAX || associatedData.size() > INT_MAX) {
    throw std::invalid_argument("a thread message is at most a few kilobytes");
  }
  SealedText out{std::string(kNonceBytes, '\0'), std::string(plaintext.size() + kTagBytes, '\0')};
  if (RAND_bytes(bytes(out.nonce), static_cast<int>(kNonceBytes)) != 1) {
    throw StoreError("storage", "cannot seal a thread message: no entropy for its nonce");
  }
  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0, tail = 0;
  // 12-byte nonces are GCM's default IV length: no EVP_CTRL_GCM_SET_IVLEN needed.
  bool ok = context &&
            EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes(key_),
                               bytes(out.nonce)) == 1 &&
            EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(associatedData),
                              static_cast<int>(associatedData.size())) == 1 &&
            EVP_EncryptUpdate(context.get(), bytes(out.ciphertext), &length, bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(context.get(), bytes(out.ciphertext) + length, &tail) == 1 &&
            static_cast<size_t>(length + tail) == plaintext.size() &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                                bytes(out.ciphertext) + plaintext.size()) == 1;
  if (!ok) throw StoreError("storage", "cannot seal a thread message (OpenSSL failed)");
  return out;
}

std::optional<std::string> ThreadCipher::open(std::string_view nonce, std::string_view ciphertext,
                                              std::string_view associatedData) const {
  if (nonce.size() != kNonceBytes || ciphertext.size() < kTagBytes || ciphertext.size() > INT_MAX ||
      associatedData.size() > INT_MAX) {
    return std::nullopt;
  }
  const size_t size = ciphertext.size() - kTagBytes;
  // EVP_CTRL_GCM_SET_TAG takes a writable pointer though it only reads: give it a copy.
  std::string tag(ciphertext.substr(size));
  std::string plaintext(size, '\0');
  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0, tail = 0;
  bool ok = context &&
            EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes(key_),
                               bytes(nonce)) == 1 &&
            EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(associatedData),
                              static_cast<int>(associatedData.size())) == 1 &&
            EVP_DecryptUpdate(context.get(), bytes(plaintext), &length, bytes(ciphertext),
                              static_cast<int>(size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                                tag.data()) == 1 &&
            // Final checks the tag: until it succeeds, the bytes decrypted are nobody's to read.
            EVP_DecryptFinal_ex(context.get(), bytes(plaintext) + length, &tail) == 1 &&
            static_cast<size_t>(length + tail) == size;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

}  // namespace medrelay::access
