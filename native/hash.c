/* Stable 64-bit hashing: XXH64 (Collet), reading input as little-endian
 * words whatever the host, so a key hashes to the same value on every
 * machine, process and Python version (unlike Python's hash()).
 *
 * Integer keys are hashed as their 8-byte little-endian two's-complement
 * encoding; sk_hash_pair hashes the 16-byte encoding of (a, b).
 */
#include <string.h>

#include "common.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t read64(const unsigned char *p) {
  return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
         ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
         ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

static inline uint64_t read32(const unsigned char *p) {
  return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
         ((uint64_t)p[3] << 24);
}

static inline uint64_t xround(uint64_t acc, uint64_t input) {
  acc += input * P2;
  acc = rotl64(acc, 31);
  return acc * P1;
}

static inline uint64_t xmerge(uint64_t acc, uint64_t val) {
  acc ^= xround(0, val);
  return acc * P1 + P4;
}

static inline uint64_t xavalanche(uint64_t h) {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

static inline uint64_t xlane(uint64_t h, uint64_t word) {
  h ^= xround(0, word);
  return rotl64(h, 27) * P1 + P4;
}

uint64_t sk_xxh64(const void *data, size_t len, uint64_t seed) {
  const unsigned char *p = (const unsigned char *)data;
  const unsigned char *end = p + len;
  uint64_t h;
  if (len >= 32) {
    const unsigned char *limit = end - 32;
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    do {
      v1 = xround(v1, read64(p));
      v2 = xround(v2, read64(p + 8));
      v3 = xround(v3, read64(p + 16));
      v4 = xround(v4, read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xmerge(h, v1);
    h = xmerge(h, v2);
    h = xmerge(h, v3);
    h = xmerge(h, v4);
  } else {
    h = seed + P5;
  }
  h += (uint64_t)len;
  while (p + 8 <= end) {
    h = xlane(h, read64(p));
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= read32(p) * P1;
    h = rotl64(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p) * P5;
    h = rotl64(h, 11) * P1;
    p++;
  }
  return xavalanche(h);
}

/* XXH64 of the 8-byte little-endian encoding of key, without a buffer. */
uint64_t sk_hash_u64(uint64_t key, uint64_t seed) {
  uint64_t h = seed + P5 + 8;
  return xavalanche(xlane(h, key));
}

/* XXH64 of the 16-byte little-endian encoding of (a, b). */
uint64_t sk_hash_pair(uint64_t a, uint64_t b, uint64_t seed) {
  uint64_t h = seed + P5 + 16;
  return xavalanche(xlane(xlane(h, a), b));
}

void sk_hash_int64(const int64_t *keys, int64_t n, uint64_t seed, uint64_t *out) {
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; i++) out[i] = sk_hash_u64((uint64_t)keys[i], seed);
}

void sk_hash_bytes(const char *data, const int64_t *offsets, int64_t n,
                   uint64_t seed, uint64_t *out) {
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; i++)
    out[i] = sk_xxh64(data + offsets[i], (size_t)(offsets[i + 1] - offsets[i]), seed);
}

/* Lemire's multiply-shift: uniform on [0, m) up to a bias below m / 2^64. */
static inline int64_t bounded(uint64_t h, int64_t m) {
  return (int64_t)(((unsigned __int128)h * (uint64_t)m) >> 64);
}

void sk_sketch_map(uint64_t seed, int64_t start, int64_t n, int64_t s,
                   int64_t m, int64_t *rows, int8_t *signs) {
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (n * s > 65536)
  for (int64_t i = 0; i < n; i++) {
    const uint64_t col = (uint64_t)(start + i);
    int64_t *r = rows + i * s;
    int8_t *g = signs + i * s;
    uint64_t draw = 0;
    for (int64_t t = 0; t < s; t++) {
      int64_t cand;
      uint64_t h;
      int dup;
      do { /* rejection: the s rows of a column are distinct */
        h = sk_hash_pair(col, draw++, seed);
        cand = bounded(h, m);
        dup = 0;
        for (int64_t u = 0; u < t; u++) dup |= (r[u] == cand);
      } while (dup);
      r[t] = cand;
      /* the sign comes from the low bit, independent of the high bits
       * that chose the row */
      g[t] = (h & 1) ? (int8_t)-1 : (int8_t)1;
    }
  }
}
