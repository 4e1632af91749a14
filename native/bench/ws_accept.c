#include "ws_accept.h"

#include <stdint.h>
#include <string.h>

static const char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// One 64-byte block into the five words of state (FIPS 180-4, 6.1.2).
static void sha1_block(uint32_t h[5], const uint8_t* block) {
  uint32_t w[80];
  for (int t = 0; t < 16; ++t)
    w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 | (uint32_t)block[4 * t + 2] << 8 |
           block[4 * t + 3];
  for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int t = 0; t < 80; ++t) {
    uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t next = rotl(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = next;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

// SHA-1 of a message short enough for this use (a key and the GUID: under 2 blocks after padding).
static void sha1(const uint8_t* message, size_t length, uint8_t digest[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t whole = length - length % 64;
  for (size_t i = 0; i < whole; i += 64) sha1_block(h, message + i);
  uint8_t tail[128] = {0};
  size_t rest = length - whole;
  memcpy(tail, message + whole, rest);
  tail[rest] = 0x80;
  size_t blocks = rest + 9 <= 64 ? 1 : 2;
  uint64_t bits = (uint64_t)length * 8;
  for (int i = 0; i < 8; ++i) tail[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (size_t i = 0; i < blocks; ++i) sha1_block(h, tail + 64 * i);
  for (int i = 0; i < 20; ++i) digest[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

void ws_accept(const char* key, size_t key_length, char out[WS_ACCEPT_LENGTH + 1]) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint8_t joined[128];
  if (key_length > sizeof joined - (sizeof kGuid - 1)) key_length = sizeof joined - (sizeof kGuid - 1);
  memcpy(joined, key, key_length);
  memcpy(joined + key_length, kGuid, sizeof kGuid - 1);
  uint8_t digest[21] = {0};  // 20 bytes, read in groups of 3: the last group's third byte is this padding
  sha1(joined, key_length + sizeof kGuid - 1, digest);
  for (int i = 0, o = 0; i < 21; i += 3) {
    uint32_t group = (uint32_t)digest[i] << 16 | (uint32_t)digest[i + 1] << 8 | digest[i + 2];
    out[o++] = kAlphabet[group >> 18 & 63];
    out[o++] = kAlphabet[group >> 12 & 63];
    out[o++] = i + 1 < 20 ? kAlphabet[group >> 6 & 63] : '=';
    out[o++] = i + 2 < 20 ? kAlphabet[group & 63] : '=';
  }
  out[WS_ACCEPT_LENGTH] = '\0';
}
