/*
 * StellarChat native int8 dot kernels, called from the engine through FFM (io.stellarchat.engine.tensor
 * .NativeKernelLibrary). One source, compiled once per instruction-set level by build-native.sh:
 *
 *   libstellar-kernels-avx2.so        -mavx2 -mfma -mf16c                      vpmaddubsw + vpmaddwd
 *   libstellar-kernels-avx512vnni.so  the above + -mavx512f/bw/dq/vl -mavx512vnni  vpdpbusd, two blocks a register
 *
 * Operands (GGUF / ggml block layouts, read in place from the memory-mapped file):
 *   Q8_0 weight block, 34 bytes: d f16 @0 | qs int8[32] @2;                      w = d * qs[j]
 *   Q4_0 weight block, 18 bytes: d f16 @0 | qs u8[16] @2; element j is the low nibble of qs[j], element j + 16
 *                                the high one;                                   w = d * (nibble - 8)
 *   activations (QuantizedRows, format Q8_0): xq int8 (n, cols) row-major, xd float (n, cols / 32) block scales
 *                                (already fp16-rounded), values in [-127, 127].
 *
 * Arithmetic, per (weight row r, activation row i) pair, identical whatever n and wherever the pair sits in a
 * tile (batch invariance: a row's result never depends on the other rows of the batch):
 *   for each block b: s_b = the 32 int8 x int8 products, summed exactly in eight int32 lanes
 *                     (lane k holds the products 4k .. 4k + 3 of the block);
 *                     acc[b & 1] = fma(float(s_b lanes), d_w(b) * d_x(b), acc[b & 1])     (eight float lanes)
 *   result = the eight lanes of acc[0] + acc[1], summed left to right.
 * The integer block sums are exactly those of the engine's Java kernels (IntDots); only the float accumulation
 * order is this file's own. Compiled with -ffp-contract=off and without -ffast-math, so the compiler keeps
 * every float operation as written. No saturation: |w| <= 128 and |x| <= 127, so a maddubs pair is at most
 * 2 * 128 * 127 = 32512 < 32767.
 *
 * Entry points take a range of weight rows [r0, r1) and n activation rows, and write
 * out[i * out_stride + (r - r0)] (out points at row r0's result for activation row 0); the engine calls them
 * once per row chunk of a thread, never per block.
 * Loop order: weight rows in groups of ROW_GROUP, activation rows in groups of ACT_GROUP (both stay in L2), and
 * per weight row the activation rows in tiles of 8, 4, 1: each weight block is decoded once per tile and used
 * for every row of it (weight-stationary).
 */
#define _DEFAULT_SOURCE /* madvise under -std=c11 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define STELLAR_ABI 2
#define ROW_GROUP 16
#define ACT_GROUP 64

#if defined(STELLAR_VNNI)
#define STELLAR_LEVEL "avx512vnni"
/* 32 unsigned x signed byte products summed in groups of four into eight int32 lanes, exactly. */
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
}
#else
#define STELLAR_LEVEL "avx2"
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
    __m256i pairs = _mm256_maddubs_epi16(u, s); /* 16 int16 sums of two, no saturation (see above) */
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}
#endif

int32_t stellar_abi_version(void) { return STELLAR_ABI; }

const char *stellar_level(void) { return STELLAR_LEVEL; }

static inline float f16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* Sum of the eight lanes, left to right. */
static inline float sum_lanes(__m256 v) {
    float a[8];
    _mm256_storeu_ps(a, v);
    float s = 0.0f;
    for (int k = 0; k < 8; k++) {
        s += a[k];
    }
    return s;
}

/* One weight block decoded to 32 signed bytes (its magnitude and its signs separately for the dot). */
typedef struct {
    __m256i abs; /* |w| as unsigned bytes */
    __m256i w;   /* w as signed bytes, for the sign of x */
    float d;
} wblock;

static inline wblock load_q8_0(const uint8_t *blk) {
    wblock b;
    b.d = f16(blk);
    b.w = _mm256_loadu_si256((const __m256i *)(blk + 2));
    b.abs = _mm256_sign_epi8(b.w, b.w);
    return b;
}

static inline wblock load_q4_0(const uint8_t *blk) {
    wblock b;
    b.d = f16(blk);
    __m128i q = _mm_loadu_si128((const __m128i *)(blk + 2));
    __m128i m = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(q, m);                    /* elements 0 .. 15 */
    __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), m); /* elements 16 .. 31 */
    b.w = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));
    b.abs = _mm256_sign_epi8(b.w, b.w);
    return b;
}

/* The block's dot with activation block x (32 int8), as eight int32 lanes. */
static inline __m256 block_dot(wblock b, const int8_t *x) {
    __m256i xv = _mm256_loadu_si256((const __m256i *)x);
    return _mm256_cvtepi32_ps(dot_u8s8(b.abs, _mm256_sign_epi8(xv, b.w)));
}

/*
 * Weight row wrow (nb blocks of bsize bytes) against T activation rows starting at xq / xd; res[t] gets the
 * result of row t. T is a compile-time constant at each call site, so the accumulators live in registers.
 */
#if !defined(STELLAR_VNNI)
#define DEFINE_TILE(NAME, LOAD, BSIZE, T)                                                              \
    static inline void NAME(const uint8_t *wrow, int nb, const int8_t *xq, const float *xd, int cols, \
                            float *res) {                                                            \
        __m256 acc0[T], acc1[T];                                                                     \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                      \
            acc0[t] = _mm256_setzero_ps();                                                           \
            acc1[t] = _mm256_setzero_ps();                                                           \
        }                                                                                            \
        int b = 0;                                                                                   \
        for (; b + 2 <= nb; b += 2) {                                                                \
            wblock w0 = LOAD(wrow + (long)BSIZE * b);                                                \
            wblock w1 = LOAD(wrow + (long)BSIZE * (b + 1));                                          \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                  \
                const int8_t *x = xq + (long)t * cols + 32L * b;                                     \
                const float *d = xd + (long)t * nb + b;                                              \
                acc0[t] = _mm256_fmadd_ps(block_dot(w0, x), _mm256_set1_ps(w0.d * d[0]), acc0[t]);  \
                acc1[t] = _mm256_fmadd_ps(block_dot(w1, x + 32), _mm256_set1_ps(w1.d * d[1]), acc1[t]); \
            }                                                                                        \
        }                                                                                            \
        if (b < nb) {                                                                                \
            wblock w0 = LOAD(wrow + (long)BSIZE * b);                                                \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                  \
                const int8_t *x = xq + (long)t * cols + 32L * b;                                     \
                float dx = xd[(long)t * nb + b];                                                     \
                acc0[t] = _mm256_fmadd_ps(block_dot(w0, x), _mm256_set1_ps(w0.d * dx), acc0[t]);     \
            }                                                                                        \
        }                                                                                            \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                      \
            res[t] = sum_lanes(_mm256_add_ps(acc0[t], acc1[t]));                                     \
        }                                                                                            \
    }
#endif

#if defined(STELLAR_VNNI)
/*
 * AVX-512: two blocks per 512-bit register. Lanes 0-7 hold block b's eight int32 sums, lanes 8-15 block b + 1's,
 * so the low half of the accumulator gathers the even blocks and the high half the odd ones: the very
 * operations, lane for lane, of acc0 and acc1 above, and so the same bits as the AVX2 library.
 */
typedef struct {
    __m512i w;     /* w of both blocks as signed bytes */
    __m512i negc;  /* per int32 lane: -128 * (sum of the lane's four w), the accumulator dpbusd starts from */
    __m512 d;      /* d of block b in lanes 0-7, of block b + 1 in lanes 8-15 */
} wpair;

/* The f16 scales at p0 and p1 as floats, p0's in lanes 0-7 and p1's in lanes 8-15 (one vcvtph2ps for both). */
static inline __m512 dpair(const uint8_t *p0, const uint8_t *p1) {
    uint16_t h0, h1 = 0;
    memcpy(&h0, p0, 2);
    if (p1 != NULL) {
        memcpy(&h1, p1, 2);
    }
    __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)h0 | (uint32_t)h1 << 16)));
    const __m512i two = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_permutexvar_ps(two, _mm512_castps128_ps512(f));
}

static inline wpair pair_of(__m512i w, __m512 d) {
    wpair p;
    p.w = w;
    p.negc = _mm512_sub_epi32(_mm512_setzero_si512(),
                              _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), w));
    p.d = d;
    return p;
}

static inline wpair load2_q8_0(const uint8_t *blk) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(blk + 2));
    __m256i b = _mm256_loadu_si256((const __m256i *)(blk + 34 + 2));
    return pair_of(_mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1), dpair(blk, blk + 34));
}

static inline wpair load2_q4_0(const uint8_t *blk) {
    __m256i q = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(blk + 18 + 2)),
                                 _mm_loadu_si128((const __m128i *)(blk + 2)));
    __m256i m = _mm256_set1_epi8(0x0F);
    __m256i lo = _mm256_and_si256(q, m);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m);
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); /* lo b, lo b+1, hi b, hi b+1 */
    v = _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(3, 1, 2, 0));           /* lo b, hi b, lo b+1, hi b+1 */
    return pair_of(_mm512_sub_epi8(v, _mm512_set1_epi8(8)), dpair(blk, blk + 18));
}

/* One block in the low lanes only (an odd block count's last block). */
static inline wpair load1_q8_0(const uint8_t *blk) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(blk + 2));
    return pair_of(_mm512_castsi256_si512(a), dpair(blk, NULL));
}

static inline wpair load1_q4_0(const uint8_t *blk) {
    __m128i q = _mm_loadu_si128((const __m128i *)(blk + 2));
    __m128i m = _mm_set1_epi8(0x0F);
    __m256i w = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m), _mm_and_si128(q, m));
    w = _mm256_sub_epi8(w, _mm256_set1_epi8(8));
    return pair_of(_mm512_inserti64x4(_mm512_setzero_si512(), w, 0), dpair(blk, NULL));
}

/*
 * x is signed, dpbusd wants one unsigned operand: x + 128 (x ^ 0x80) is unsigned, and the products' sum
 * sum (x + 128) w - 128 sum w = sum x w, exactly (lane sums of four products stay far inside int32). The
 * lanes are those of the AVX2 library's maddubs + madd: lane k of a block sums its products 4k .. 4k + 3.
 */
static inline __m512 pair_dot(wpair p, __m512i x) {
    __m512i xu = _mm512_xor_si512(x, _mm512_set1_epi8((char)0x80));
    return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(p.negc, xu, p.w));
}

#define DEFINE_TILE(NAME, LOAD2, LOAD1, BSIZE, T)                                                      \
    static inline void NAME(const uint8_t *wrow, int nb, const int8_t *xq, const float *xd, int cols, \
                            float *res) {                                                            \
        const __m512i two = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);        \
        __m512 acc[T];                                                                               \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                      \
            acc[t] = _mm512_setzero_ps();                                                            \
        }                                                                                            \
        int b = 0;                                                                                   \
        for (; b + 2 <= nb; b += 2) {                                                                \
            wpair w = LOAD2(wrow + (long)BSIZE * b);                                                 \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                  \
                __m512i x = _mm512_loadu_si512((const void *)(xq + (long)t * cols + 32L * b));       \
                __m128 d2 = _mm_castpd_ps(_mm_load_sd((const double *)(xd + (long)t * nb + b)));      \
                __m512 dx = _mm512_permutexvar_ps(two, _mm512_castps128_ps512(d2));                  \
                acc[t] = _mm512_fmadd_ps(pair_dot(w, x), _mm512_mul_ps(w.d, dx), acc[t]);           \
            }                                                                                        \
        }                                                                                            \
        if (b < nb) {                                                                                \
            wpair w = LOAD1(wrow + (long)BSIZE * b);                                                 \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                  \
                __m512i x = _mm512_castsi256_si512(                                                  \
                    _mm256_loadu_si256((const __m256i *)(xq + (long)t * cols + 32L * b)));           \
                __m512 dx = _mm512_set1_ps(xd[(long)t * nb + b]);                                    \
                acc[t] = _mm512_mask3_fmadd_ps(pair_dot(w, x), _mm512_mul_ps(w.d, dx), acc[t], 0x00FF); \
            }                                                                                        \
        }                                                                                            \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                      \
            __m256 lo = _mm512_castps512_ps256(acc[t]);                                              \
            __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[t]), 1));       \
            res[t] = sum_lanes(_mm256_add_ps(lo, hi));                                               \
        }                                                                                            \
    }

/*
 * Two weight rows against T activation rows: each activation pair-of-blocks is loaded, biased and its scales
 * spread once for both weight rows. Per (weight row, activation row) the operations of DEFINE_TILE, so the
 * same bits. res[k * T + t]: weight row k, activation row t.
 */
#define DEFINE_TILE2(NAME, LOAD2, LOAD1, BSIZE, T)                                                     \
    static inline void NAME(const uint8_t *wrow, int64_t row_bytes, int nb, const int8_t *xq,         \
                            const float *xd, int cols, float *res) {                                 \
        const __m512i two = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);        \
        __m512 acc0[T], acc1[T];                                                                     \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                        \
            acc0[t] = _mm512_setzero_ps();                                                           \
            acc1[t] = _mm512_setzero_ps();                                                           \
        }                                                                                            \
        int b = 0;                                                                                   \
        for (; b + 2 <= nb; b += 2) {                                                                \
            wpair w0 = LOAD2(wrow + (long)BSIZE * b);                                                \
            wpair w1 = LOAD2(wrow + row_bytes + (long)BSIZE * b);                                    \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                    \
                __m512i x = _mm512_loadu_si512((const void *)(xq + (long)t * cols + 32L * b));       \
                __m128 d2 = _mm_castpd_ps(_mm_load_sd((const double *)(xd + (long)t * nb + b)));      \
                __m512 dx = _mm512_permutexvar_ps(two, _mm512_castps128_ps512(d2));                  \
                acc0[t] = _mm512_fmadd_ps(pair_dot(w0, x), _mm512_mul_ps(w0.d, dx), acc0[t]);       \
                acc1[t] = _mm512_fmadd_ps(pair_dot(w1, x), _mm512_mul_ps(w1.d, dx), acc1[t]);       \
            }                                                                                        \
        }                                                                                            \
        if (b < nb) {                                                                                \
            wpair w0 = LOAD1(wrow + (long)BSIZE * b);                                                \
            wpair w1 = LOAD1(wrow + row_bytes + (long)BSIZE * b);                                    \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                    \
                __m512i x = _mm512_castsi256_si512(                                                  \
                    _mm256_loadu_si256((const __m256i *)(xq + (long)t * cols + 32L * b)));           \
                __m512 dx = _mm512_set1_ps(xd[(long)t * nb + b]);                                    \
                acc0[t] = _mm512_mask3_fmadd_ps(pair_dot(w0, x), _mm512_mul_ps(w0.d, dx), acc0[t], 0x00FF); \
                acc1[t] = _mm512_mask3_fmadd_ps(pair_dot(w1, x), _mm512_mul_ps(w1.d, dx), acc1[t], 0x00FF); \
            }                                                                                        \
        }                                                                                            \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                        \
            __m256 lo = _mm512_castps512_ps256(acc0[t]);                                             \
            __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc0[t]), 1));      \
            res[t] = sum_lanes(_mm256_add_ps(lo, hi));                                               \
            lo = _mm512_castps512_ps256(acc1[t]);                                                    \
            hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc1[t]), 1));             \
            res[T + t] = sum_lanes(_mm256_add_ps(lo, hi));                                           \
        }                                                                                            \
    }

DEFINE_TILE2(q8_0_tile8x2, load2_q8_0, load1_q8_0, 34, 8)
DEFINE_TILE2(q4_0_tile8x2, load2_q4_0, load1_q4_0, 18, 8)

DEFINE_TILE(q8_0_tile8, load2_q8_0, load1_q8_0, 34, 8)
DEFINE_TILE(q8_0_tile4, load2_q8_0, load1_q8_0, 34, 4)
DEFINE_TILE(q8_0_tile1, load2_q8_0, load1_q8_0, 34, 1)
DEFINE_TILE(q4_0_tile8, load2_q4_0, load1_q4_0, 18, 8)
DEFINE_TILE(q4_0_tile4, load2_q4_0, load1_q4_0, 18, 4)
DEFINE_TILE(q4_0_tile1, load2_q4_0, load1_q4_0, 18, 1)

#else
DEFINE_TILE(q8_0_tile8, load_q8_0, 34, 8)
DEFINE_TILE(q8_0_tile4, load_q8_0, 34, 4)
DEFINE_TILE(q8_0_tile1, load_q8_0, 34, 1)
DEFINE_TILE(q4_0_tile8, load_q4_0, 18, 8)
DEFINE_TILE(q4_0_tile4, load_q4_0, 18, 4)
DEFINE_TILE(q4_0_tile1, load_q4_0, 18, 1)

/* AVX2: two weight rows against eight activation rows are two T = 8 tiles. */
#define DEFINE_TILE2(NAME, TILE8)                                                                      \
    static inline void NAME(const uint8_t *wrow, int64_t row_bytes, int nb, const int8_t *xq,         \
                            const float *xd, int cols, float *res) {                                 \
        TILE8(wrow, nb, xq, xd, cols, res);                                                          \
        TILE8(wrow + row_bytes, nb, xq, xd, cols, res + 8);                                          \
    }

DEFINE_TILE2(q8_0_tile8x2, q8_0_tile8)
DEFINE_TILE2(q4_0_tile8x2, q4_0_tile8)

#endif

typedef void (*tile_fn)(const uint8_t *, int, const int8_t *, const float *, int, float *);
typedef void (*tile2_fn)(const uint8_t *, int64_t, int, const int8_t *, const float *, int, float *);

static void matmul(tile2_fn t8x2, tile_fn t8, tile_fn t4, tile_fn t1, int block, const uint8_t *w,
                   int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1, const int8_t *xq, const float *xd,
                   int32_t n, float *out, int64_t out_stride) {
    int nb = cols / block;
    float res[16];
    for (int rg = r0; rg < r1; rg += ROW_GROUP) {
        int rgEnd = rg + ROW_GROUP < r1 ? rg + ROW_GROUP : r1;
        for (int ig = 0; ig < n; ig += ACT_GROUP) {
            int igEnd = ig + ACT_GROUP < n ? ig + ACT_GROUP : n;
            int tiled = ig + (igEnd - ig) / 4 * 4; /* rows [ig, tiled) in tiles of 8 and 4 */
            int r = rg;
            for (; r + 2 <= rgEnd; r += 2) { /* two weight rows share each activation load */
                const uint8_t *wrow = w + row_bytes * r;
                int i = ig;
                for (; i + 8 <= tiled; i += 8) {
                    t8x2(wrow, row_bytes, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    for (int k = 0; k < 2; k++) {
                        for (int t = 0; t < 8; t++) out[(i + t) * out_stride + (r + k - r0)] = res[8 * k + t];
                    }
                }
                for (; i < tiled; i += 4) {
                    for (int k = 0; k < 2; k++) {
                        t4(wrow + row_bytes * k, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                        for (int t = 0; t < 4; t++) out[(i + t) * out_stride + (r + k - r0)] = res[t];
                    }
                }
            }
            for (; r < rgEnd; r++) {
                const uint8_t *wrow = w + row_bytes * r;
                int i = ig;
                for (; i + 8 <= tiled; i += 8) {
                    t8(wrow, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    for (int t = 0; t < 8; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
                for (; i < tiled; i += 4) {
                    t4(wrow, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    for (int t = 0; t < 4; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
            }
            /*
             * The last 0-3 activation rows (a lone decode row), one weight row after the other: a single stream
             * through memory. Four rows at once (four streams 1-2 KiB apart) halved the bytes per second the
             * hardware prefetcher delivered (measured: Q4_0 8.8 against 17.6 GB/s, Q8_0 16.7 against 30.3).
             */
            for (int i = tiled; i < igEnd; i++) {
                for (int r = rg; r < rgEnd; r++) {
                    t1(w + row_bytes * r, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    out[i * out_stride + (r - r0)] = res[0];
                }
            }
        }
    }
}

/*
 * Q6_K weights x Q8_K activations. Super-block of 256 values, 210 bytes: ql u8[128] @0 (low four bits),
 * qh u8[64] @128 (high two bits), sc int8[16] @192 (one scale per 16 values), d f16 @208; value e of half h
 * (e = 128h + 32k + l, k = 0..3, l = 0..31) is d * sc[e / 16] * (q - 32) with
 * q = (k < 2 ? ql[64h + 32(k & 1) + l] & 15 : ql[64h + 32(k & 1) + l] >> 4) | ((qh[32h + l] >> 2k) & 3) << 4.
 * Activations Q8_K: xq int8 (n, cols), xd float (n, cols / 256).
 * Per super-block the dot is an exact int32: sum over groups g of sc[g] * sum of its 16 (q - 32) * x (at most
 * 16 * 128 * 32 * 127 * 16 < 2^31), then acc += (float) total * (d * d_x), one float step per super-block in
 * order: the operations of the engine's scalar IntDots.dotQ6_K, so the native result equals it bit for bit.
 * The products run as maddubs (|q - 32| <= 32 unsigned times the signed x, pairs <= 8128: no saturation) and
 * madd with the group's scale in int16 lanes.
 */
#if defined(STELLAR_VNNI)
typedef struct {
    __m512i abs[4];    /* |q - 32| of values 64j .. 64j + 63 */
    __mmask64 neg[4];  /* where q - 32 < 0 */
    __m512i scale[4];  /* int16 lanes: sc of the group of each pair of values */
    float d;
} q6block;

static inline q6block load_q6_k(const uint8_t *blk) {
    q6block b;
    __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512i m30 = _mm512_set1_epi8(0x30);
    __m512i m32 = _mm512_set1_epi8(32);
    for (int h = 0; h < 2; h++) {
        __m512i ql = _mm512_loadu_si512((const void *)(blk + 64 * h));           /* ql of k = 0,1 | k = 2,3 */
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
        __m512i qhz = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
        __m512i lo = _mm512_and_si512(ql, m4);                                   /* values 128h + 0 .. 63 */
        __m512i hi = _mm512_and_si512(_mm512_srli_epi16(ql, 4), m4);             /* values 128h + 64 .. 127 */
        __m512i wA = _mm512_or_si512(lo, _mm512_and_si512(_mm512_slli_epi16(qhz, 4), m30));
        __m512i wB = _mm512_or_si512(hi, _mm512_and_si512(qhz, m30));
        wA = _mm512_sub_epi8(wA, m32);
        wB = _mm512_sub_epi8(wB, m32);
        b.abs[2 * h] = _mm512_abs_epi8(wA);
        b.neg[2 * h] = _mm512_movepi8_mask(wA);
        b.abs[2 * h + 1] = _mm512_abs_epi8(wB);
        b.neg[2 * h + 1] = _mm512_movepi8_mask(wB);
    }
    __m512i sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192))));
    for (int j = 0; j < 4; j++) {
        /* int16 lane l of chunk j pairs values 64j + 2l, + 1: group 4j + l / 8 */
        __m512i idx = _mm512_set_epi16(4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3,
                                       4 * j + 3, 4 * j + 2, 4 * j + 2, 4 * j + 2, 4 * j + 2, 4 * j + 2, 4 * j + 2,
                                       4 * j + 2, 4 * j + 2, 4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j + 1,
                                       4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j, 4 * j, 4 * j, 4 * j, 4 * j, 4 * j,
                                       4 * j, 4 * j);
        b.scale[j] = _mm512_permutexvar_epi16(idx, sc);
    }
    b.d = f16(blk + 208);
    return b;
}

/* The exact int32 dot of a decoded super-block with 256 activation bytes. */
static inline int32_t q6_dot(const q6block *b, const int8_t *x) {
    __m512i acc = _mm512_setzero_si512();
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {
        __m512i xv = _mm512_loadu_si512((const void *)(x + 64 * j));
        __m512i sx = _mm512_mask_sub_epi8(xv, b->neg[j], _mm512_setzero_si512(), xv);
        __m512i pairs = _mm512_maddubs_epi16(b->abs[j], sx);
        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, b->scale[j]));
    }
    return _mm512_reduce_add_epi32(acc);
}
#else
typedef struct {
    __m256i w[8];      /* q - 32 of values 32c .. 32c + 31, signed */
    __m256i abs[8];
    __m256i scale[8];  /* int16 lanes 0-7: sc[2c], lanes 8-15: sc[2c + 1] */
    float d;
} q6block;

static inline q6block load_q6_k(const uint8_t *blk) {
    q6block b;
    __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i m3 = _mm256_set1_epi8(0x03);
    for (int c = 0; c < 8; c++) {
        int h = c / 4, k = c % 4;
        __m256i ql = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32 * (k & 1)));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
        __m256i lo = k < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
        __m256i hi = _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * k)), m3), 4);
        b.w[c] = _mm256_sub_epi8(_mm256_or_si256(lo, hi), _mm256_set1_epi8(32));
        b.abs[c] = _mm256_sign_epi8(b.w[c], b.w[c]);
        int8_t s0 = (int8_t)blk[192 + 2 * c], s1 = (int8_t)blk[192 + 2 * c + 1];
        b.scale[c] = _mm256_set_m128i(_mm_set1_epi16(s1), _mm_set1_epi16(s0));
    }
    b.d = f16(blk + 208);
    return b;
}

static inline int32_t q6_dot(const q6block *b, const int8_t *x) {
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < 8; c++) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + 32 * c));
        __m256i pairs = _mm256_maddubs_epi16(b->abs[c], _mm256_sign_epi8(xv, b->w[c]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, b->scale[c]));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}
#endif

#define DEFINE_Q6_TILE(NAME, T)                                                                        \
    static inline void NAME(const uint8_t *wrow, int nb, const int8_t *xq, const float *xd, int cols, \
                            float *res) {                                                            \
        float acc[T];                                                                                \
        for (int t = 0; t < T; t++) {                                                                \
            acc[t] = 0.0f;                                                                           \
        }                                                                                            \
        for (int b = 0; b < nb; b++) {                                                               \
            q6block w = load_q6_k(wrow + 210L * b);                                                  \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                    \
                int32_t sum = q6_dot(&w, xq + (long)t * cols + 256L * b);                            \
                acc[t] += (float)sum * (w.d * xd[(long)t * nb + b]);                                 \
            }                                                                                        \
        }                                                                                            \
        for (int t = 0; t < T; t++) {                                                                \
            res[t] = acc[t];                                                                         \
        }                                                                                            \
    }

DEFINE_Q6_TILE(q6_k_tile8, 8)
DEFINE_Q6_TILE(q6_k_tile4, 4)
DEFINE_Q6_TILE(q6_k_tile1, 1)

static inline void q6_k_tile8x2(const uint8_t *wrow, int64_t row_bytes, int nb, const int8_t *xq, const float *xd,
                                int cols, float *res) {
    q6_k_tile8(wrow, nb, xq, xd, cols, res);
    q6_k_tile8(wrow + row_bytes, nb, xq, xd, cols, res + 8);
}


/* out[i * out_stride + (r - r0)] = row r of Q8_0 weights w . activation row i, for r in [r0, r1), i in [0, n). */
void stellar_q8_0_matmul(const uint8_t *w, int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1,
                         const int8_t *xq, const float *xd, int32_t n, float *out, int64_t out_stride) {
    matmul(q8_0_tile8x2, q8_0_tile8, q8_0_tile4, q8_0_tile1, 32, w, row_bytes, cols, r0, r1, xq, xd, n, out, out_stride);
}

/* As stellar_q8_0_matmul, for Q4_0 weights. */
void stellar_q4_0_matmul(const uint8_t *w, int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1,
                         const int8_t *xq, const float *xd, int32_t n, float *out, int64_t out_stride) {
    matmul(q4_0_tile8x2, q4_0_tile8, q4_0_tile4, q4_0_tile1, 32, w, row_bytes, cols, r0, r1, xq, xd, n, out, out_stride);
}

/* As stellar_q8_0_matmul, for Q6_K weights and Q8_K activations (xd: one float per 256 values). */
void stellar_q6_k_matmul(const uint8_t *w, int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1,
                         const int8_t *xq, const float *xd, int32_t n, float *out, int64_t out_stride) {
    matmul(q6_k_tile8x2, q6_k_tile8, q6_k_tile4, q6_k_tile1, 256, w, row_bytes, cols, r0, r1, xq, xd, n, out,
           out_stride);
}

/*
 * ---- Interleaved weights ("x16"): Q4_0 and Q8_0 repacked at load, 16 rows side by side ----
 *
 * A lone activation row against row-major weights needs a horizontal step per block (eight int32 lanes of one
 * block to scale) and streams several rows at once; the interleaved form puts one weight row in each int32 lane,
 * so a block of 16 rows is a few vertical multiply-adds against the activation's four-byte groups broadcast, one
 * int32 per row comes out exact, and one scale multiply serves 16 rows. Weight bytes are read once, in order.
 * (llama.cpp repacks Q4_0 for its x86 kernels the same way; this layout and code are our own.)
 *
 * Layout, rows in groups of 16 (the engine interleaves only tensors whose row count is a multiple of 16): the
 * record of group g, block b starts at w + (g * nb + b) * REC, REC = 16 blocks' bytes:
 *   @0   d[16]  f16 scale of row 16g + j at 2j
 *   @32  chunks of 64 bytes, row j's four bytes at 4j:
 *        Q4_0 (REC 288): chunk k = 0..3 holds qs[4k .. 4k + 3] (low nibbles: elements 4k..4k+3, high nibbles:
 *                        elements 16 + 4k .. 16 + 4k + 3)
 *        Q8_0 (REC 544): chunk k = 0..7 holds qs[4k .. 4k + 3] (int8)
 *
 * Arithmetic per (weight row, activation row): per block the exact int32 sum s of the 32 products (Q4_0:
 * (q - 8) x, Q8_0: w x), then acc = acc + (float) s * (d_w * d_x), blocks in order, acc starting at 0: the
 * operations of the engine's scalar twin (IntDots.dotQ4_0 / dotQ8_0), so the result equals it bit for bit, at
 * both levels and for any batch. The unsigned operand of the byte products is the weight (Q4_0: the nibble
 * 0..15; Q8_0: w + 128), so the sum is corrected by the activation block's sum xs (QuantizedRows): s = sum u x -
 * 8 xs (Q4_0) or - 128 xs (Q8_0), exact in int32.
 */
#define X16_Q4_0_REC 288
#define X16_Q8_0_REC 544

/*
 * Once packed, the source (the model file's mapped pages) is not read again: tell the kernel this process no
 * longer needs the whole pages inside it, so they leave its resident set (they stay in the page cache, and a
 * later read would simply fault them back). Only for a read-only shared file mapping is this harmless, which is
 * how the engine maps GGUF files; other sources (tests' arenas) are not released.
 */
static void release_pages(const uint8_t *p, int64_t len) {
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) {
        return;
    }
    uintptr_t start = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t end = ((uintptr_t)p + (uintptr_t)len) & ~((uintptr_t)page - 1);
    if (end > start) {
        madvise((void *)start, end - start, MADV_DONTNEED);
    }
}

static void x16_pack(const uint8_t *src, int64_t row_bytes, int32_t rows, int32_t cols, uint8_t *dst, int bsize,
                     int chunks, int64_t rec) {
    int nb = cols / 32;
    for (int g = 0; g < rows / 16; g++) {
        for (int b = 0; b < nb; b++) {
            uint8_t *r = dst + ((int64_t)g * nb + b) * rec;
            for (int j = 0; j < 16; j++) {
                const uint8_t *blk = src + row_bytes * (16L * g + j) + (int64_t)bsize * b;
                memcpy(r + 2 * j, blk, 2);
                for (int k = 0; k < chunks; k++) {
                    memcpy(r + 32 + 64 * k + 4 * j, blk + 2 + 4 * k, 4);
                }
            }
        }
    }
}

/*
 * dst (rows * row_bytes bytes) = the interleaved form of the row-major Q4_0 matrix src; rows % 16 == 0. release:
 * src is part of a read-only shared file mapping whose pages may leave this process (release_pages); never for
 * anonymous memory, which MADV_DONTNEED would zero.
 */
void stellar_q4_0_x16_pack(const uint8_t *src, int64_t row_bytes, int32_t rows, int32_t cols, uint8_t *dst,
                           int32_t release) {
    x16_pack(src, row_bytes, rows, cols, dst, 18, 4, X16_Q4_0_REC);
    if (release) {
        release_pages(src, row_bytes * rows);
    }
}

/* As stellar_q4_0_x16_pack, for Q8_0. */
void stellar_q8_0_x16_pack(const uint8_t *src, int64_t row_bytes, int32_t rows, int32_t cols, uint8_t *dst,
                           int32_t release) {
    x16_pack(src, row_bytes, rows, cols, dst, 34, 8, X16_Q8_0_REC);
    if (release) {
        release_pages(src, row_bytes * rows);
    }
}

static inline int32_t load_i32(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

#if defined(STELLAR_VNNI)
/* 16 rows (one int32 lane each) against T activation rows; acc[t] lane j: weight row 16g + j . activation row t. */
#define DEFINE_X16_TILE(NAME, T, REC, CHUNKS, BIAS)                                                        \
    static inline void NAME(const uint8_t *wg, int nb, const int8_t *xq, const float *xd, const int32_t *xs, \
                            int cols, __m512 *acc) {                                                     \
        const __m512i m4 = _mm512_set1_epi8(0x0F);                                                       \
        const __m512i bias8 = _mm512_set1_epi8((char)0x80);                                              \
        (void)m4;                                                                                        \
        (void)bias8;                                                                                     \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) acc[t] = _mm512_setzero_ps();              \
        for (int b = 0; b < nb; b++) {                                                                   \
            const uint8_t *rec = wg + (int64_t)(REC) * b;                                                \
            __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rec));                        \
            __m512i u[8];                                                                                \
            if ((CHUNKS) == 4) {                                                                         \
                _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {                                  \
                    __m512i v = _mm512_loadu_si512((const void *)(rec + 32 + 64 * k));                  \
                    u[k] = _mm512_and_si512(v, m4);                                                      \
                    u[4 + k] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);                          \
                }                                                                                        \
            } else {                                                                                     \
                _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {                                  \
                    u[k] = _mm512_xor_si512(_mm512_loadu_si512((const void *)(rec + 32 + 64 * k)), bias8); \
                }                                                                                        \
            }                                                                                            \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                      \
                const int8_t *x = xq + (int64_t)t * cols + 32L * b;                                      \
                __m512i s = _mm512_set1_epi32(-(BIAS) * xs[(int64_t)t * nb + b]);                        \
                if ((CHUNKS) == 4) {                                                                     \
                    _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {                              \
                        s = _mm512_dpbusd_epi32(s, u[k], _mm512_set1_epi32(load_i32(x + 4 * k)));       \
                        s = _mm512_dpbusd_epi32(s, u[4 + k], _mm512_set1_epi32(load_i32(x + 16 + 4 * k))); \
                    }                                                                                    \
                } else {                                                                                 \
                    _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {                              \
                        s = _mm512_dpbusd_epi32(s, u[k], _mm512_set1_epi32(load_i32(x + 4 * k)));       \
                    }                                                                                    \
                }                                                                                        \
                __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(xd[(int64_t)t * nb + b]));               \
                acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(_mm512_cvtepi32_ps(s), scale));            \
            }                                                                                            \
        }                                                                                                \
    }

typedef __m512 x16acc;
static inline void x16_store(const x16acc *a, float *dst) { _mm512_storeu_ps(dst, *a); }
#define X16_TMAX 8
#else
/* AVX2: the 16 rows as two halves of eight (bytes 0..31 and 32..63 of every chunk), one int32 lane a row. */
typedef struct {
    __m256 lo, hi;
} x16acc;

#define DEFINE_X16_TILE(NAME, T, REC, CHUNKS, BIAS)                                                        \
    static inline void NAME(const uint8_t *wg, int nb, const int8_t *xq, const float *xd, const int32_t *xs, \
                            int cols, x16acc *acc) {                                                     \
        const __m256i m4 = _mm256_set1_epi8(0x0F);                                                       \
        const __m256i ones = _mm256_set1_epi16(1);                                                       \
        (void)m4;                                                                                        \
        _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                          \
            acc[t].lo = _mm256_setzero_ps();                                                             \
            acc[t].hi = _mm256_setzero_ps();                                                             \
        }                                                                                                \
        for (int b = 0; b < nb; b++) {                                                                   \
            const uint8_t *rec = wg + (int64_t)(REC) * b;                                                \
            for (int half = 0; half < 2; half++) {                                                       \
                __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(rec + 16 * half)));         \
                __m256i u[8], sg[8];                                                                     \
                if ((CHUNKS) == 4) {                                                                     \
                    _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {                              \
                        __m256i v = _mm256_loadu_si256((const __m256i *)(rec + 32 + 64 * k + 32 * half)); \
                        u[k] = _mm256_and_si256(v, m4);                                                  \
                        u[4 + k] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);                      \
                    }                                                                                    \
                } else {                                                                                 \
                    _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {                              \
                        sg[k] = _mm256_loadu_si256((const __m256i *)(rec + 32 + 64 * k + 32 * half));   \
                        u[k] = _mm256_sign_epi8(sg[k], sg[k]);                                           \
                    }                                                                                    \
                }                                                                                        \
                _Pragma("GCC unroll 4") for (int t = 0; t < T; t++) {                                  \
                    const int8_t *x = xq + (int64_t)t * cols + 32L * b;                                  \
                    __m256i s;                                                                           \
                    if ((CHUNKS) == 4) {                                                                 \
                        /* int16 pair sums <= 2 * 15 * 127; eight of them <= 30480: no overflow */       \
                        __m256i p = _mm256_setzero_si256();                                              \
                        _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {                          \
                            p = _mm256_add_epi16(p, _mm256_maddubs_epi16(u[k],                           \
                                                     _mm256_set1_epi32(load_i32(x + 4 * k))));           \
                            p = _mm256_add_epi16(p, _mm256_maddubs_epi16(u[4 + k],                       \
                                                     _mm256_set1_epi32(load_i32(x + 16 + 4 * k))));      \
                        }                                                                                \
                        s = _mm256_add_epi32(_mm256_madd_epi16(p, ones),                                 \
                                             _mm256_set1_epi32(-(BIAS) * xs[(int64_t)t * nb + b]));      \
                    } else {                                                                             \
                        /* |w| times x with w's sign: pair sums <= 2 * 128 * 127, widened per chunk */   \
                        s = _mm256_setzero_si256();                                                      \
                        _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {                          \
                            __m256i xv = _mm256_set1_epi32(load_i32(x + 4 * k));                         \
                            s = _mm256_add_epi32(s, _mm256_madd_epi16(                                   \
                                    _mm256_maddubs_epi16(u[k], _mm256_sign_epi8(xv, sg[k])), ones));     \
                        }                                                                                \
                    }                                                                                    \
                    __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(xd[(int64_t)t * nb + b]));           \
                    __m256 prod = _mm256_mul_ps(_mm256_cvtepi32_ps(s), scale);                           \
                    if (half == 0) {                                                                     \
                        acc[t].lo = _mm256_add_ps(acc[t].lo, prod);                                      \
                    } else {                                                                             \
                        acc[t].hi = _mm256_add_ps(acc[t].hi, prod);                                      \
                    }                                                                                    \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }

static inline void x16_store(const x16acc *a, float *dst) {
    _mm256_storeu_ps(dst, a->lo);
    _mm256_storeu_ps(dst + 8, a->hi);
}
#define X16_TMAX 4
#endif

/* BIAS: the correction per unit of the activation block sum (Q4_0: the 8 taken off each nibble; Q8_0: the 128
 * added to each weight at the VNNI level; AVX2 multiplies the signed weights directly: no correction). */
#if defined(STELLAR_VNNI)
#define Q8_BIAS 128
#else
#define Q8_BIAS 0
#endif
DEFINE_X16_TILE(q4_0_x16_t8, 8, X16_Q4_0_REC, 4, 8)
DEFINE_X16_TILE(q4_0_x16_t4, 4, X16_Q4_0_REC, 4, 8)
DEFINE_X16_TILE(q4_0_x16_t2, 2, X16_Q4_0_REC, 4, 8)
DEFINE_X16_TILE(q4_0_x16_t1, 1, X16_Q4_0_REC, 4, 8)
DEFINE_X16_TILE(q8_0_x16_t8, 8, X16_Q8_0_REC, 8, Q8_BIAS)
DEFINE_X16_TILE(q8_0_x16_t4, 4, X16_Q8_0_REC, 8, Q8_BIAS)
DEFINE_X16_TILE(q8_0_x16_t2, 2, X16_Q8_0_REC, 8, Q8_BIAS)
DEFINE_X16_TILE(q8_0_x16_t1, 1, X16_Q8_0_REC, 8, Q8_BIAS)

typedef void (*x16_tile_fn)(const uint8_t *, int, const int8_t *, const float *, const int32_t *, int, x16acc *);

#define X16_GROUPS 4  /* weight groups (64 rows) kept in cache while a band of activation rows passes */
#define X16_BAND 64   /* activation rows per band */

static void x16_matmul(const x16_tile_fn *tiles /* T = 8, 4, 2, 1 */, int64_t rec, const uint8_t *w, int32_t cols,
                       int32_t r0, int32_t r1, const int8_t *xq, const float *xd, const int32_t *xs, int32_t n,
                       float *out, int64_t out_stride) {
    int nb = cols / 32;
    x16acc acc[8];
    float part[16];
    for (int gs = r0 / 16; gs * 16 < r1; gs += X16_GROUPS) {
        int ge = gs + X16_GROUPS;
        for (int ig = 0; ig < n; ig += X16_BAND) {
            int igEnd = ig + X16_BAND < n ? ig + X16_BAND : n;
            for (int g = gs; g < ge && g * 16 < r1; g++) {
                const uint8_t *wg = w + (int64_t)g * nb * rec;
                int lo = g * 16 < r0 ? r0 - g * 16 : 0;        /* lanes [lo, hi) are in [r0, r1) */
                int hi = g * 16 + 16 > r1 ? r1 - g * 16 : 16;
                for (int i = ig; i < igEnd;) {
                    int left = igEnd - i;
                    int T = left >= 8 && X16_TMAX >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
                    int which = T == 8 ? 0 : T == 4 ? 1 : T == 2 ? 2 : 3;
                    tiles[which](wg, nb, xq + (int64_t)i * cols, xd + (int64_t)i * nb, xs + (int64_t)i * nb, cols, acc);
                    for (int t = 0; t < T; t++) {
                        float *dst = out + (int64_t)(i + t) * out_stride + (g * 16 - r0);
                        if (lo == 0 && hi == 16) {
                            x16_store(&acc[t], dst);
                        } else {
                            x16_store(&acc[t], part);
                            for (int j = lo; j < hi; j++) dst[j] = part[j];
                        }
                    }
                    i += T;
                }
            }
        }
    }
}

static const x16_tile_fn Q4_0_X16[4] = {q4_0_x16_t8, q4_0_x16_t4, q4_0_x16_t2, q4_0_x16_t1};
static const x16_tile_fn Q8_0_X16[4] = {q8_0_x16_t8, q8_0_x16_t4, q8_0_x16_t2, q8_0_x16_t1};

/*
 * out[i * out_stride + (r - r0)] = row r of interleaved Q4_0 weights w . activation row i, for r in [r0, r1),
 * i in [0, n); xs: the activation rows' block sums (n, cols / 32). r0, r1 need not be multiples of 16.
 */
void stellar_q4_0_x16_matmul(const uint8_t *w, int32_t cols, int32_t r0, int32_t r1, const int8_t *xq,
                             const float *xd, const int32_t *xs, int32_t n, float *out, int64_t out_stride) {
    x16_matmul(Q4_0_X16, X16_Q4_0_REC, w, cols, r0, r1, xq, xd, xs, n, out, out_stride);
}

/* As stellar_q4_0_x16_matmul, for interleaved Q8_0. */
void stellar_q8_0_x16_matmul(const uint8_t *w, int32_t cols, int32_t r0, int32_t r1, const int8_t *xq,
                             const float *xd, const int32_t *xs, int32_t n, float *out, int64_t out_stride) {
    x16_matmul(Q8_0_X16, X16_Q8_0_REC, w, cols, r0, r1, xq, xd, xs, n, out, out_stride);
}

/*
 * ---- F16 weights x float activations ----
 *
 * w: rows of cols f16 values; x: n rows of cols floats. Per (weight row, activation row): four accumulators of
 * eight lanes, acc[c & 3] = fma(w chunk c, x chunk c, acc[c & 3]) over the chunks of eight values (four chains,
 * so a lone row is not held to one fma latency per chunk), then the lanes of (acc0 + acc1) + (acc2 + acc3)
 * summed left to right, then the last cols % 8 products added in order. The same operations in every tile and
 * at both levels (256-bit code in both), so a row's result never depends on the batch. A lone row is
 * memory-bound (2 bytes a weight, one widening and one fma per eight).
 */
#define DEFINE_F16_TILE(NAME, T)                                                                           \
    static inline void NAME(const uint16_t *wrow, int cols, const float *x, int64_t x_stride, float *res) { \
        __m256 a[4][T];                                                                                  \
        _Pragma("GCC unroll 4") for (int t = 0; t < T; t++) {                                          \
            a[0][t] = a[1][t] = a[2][t] = a[3][t] = _mm256_setzero_ps();                                 \
        }                                                                                                \
        int c = 0;                                                                                       \
        for (; c + 32 <= cols; c += 32) {                                                                \
            _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {                                      \
                __m256 wk = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(wrow + c + 8 * k)));       \
                _Pragma("GCC unroll 4") for (int t = 0; t < T; t++) {                                  \
                    a[k][t] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(x + t * x_stride + c + 8 * k), a[k][t]); \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        for (int k = 0; c + 8 <= cols; c += 8, k++) {                                                    \
            __m256 wk = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(wrow + c)));                   \
            _Pragma("GCC unroll 4") for (int t = 0; t < T; t++) {                                      \
                a[k][t] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(x + t * x_stride + c), a[k][t]);          \
            }                                                                                            \
        }                                                                                                \
        for (int t = 0; t < T; t++) {                                                                    \
            float s = sum_lanes(_mm256_add_ps(_mm256_add_ps(a[0][t], a[1][t]), _mm256_add_ps(a[2][t], a[3][t]))); \
            for (int k = c; k < cols; k++) {                                                             \
                s += _cvtsh_ss(wrow[k]) * x[t * x_stride + k];                                           \
            }                                                                                            \
            res[t] = s;                                                                                  \
        }                                                                                                \
    }

DEFINE_F16_TILE(f16_tile4, 4)
DEFINE_F16_TILE(f16_tile1, 1)

/* out[i * out_stride + (r - r0)] = f16 row r of w . float row i of x (x rows cols apart), r in [r0, r1), i < n. */
void stellar_f16_matmul(const uint16_t *w, int64_t row_elems, int32_t cols, int32_t r0, int32_t r1, const float *x,
                        int32_t n, float *out, int64_t out_stride) {
    float res[4];
    for (int rg = r0; rg < r1; rg += ROW_GROUP) {
        int rgEnd = rg + ROW_GROUP < r1 ? rg + ROW_GROUP : r1;
        for (int ig = 0; ig < n; ig += ACT_GROUP) {
            int igEnd = ig + ACT_GROUP < n ? ig + ACT_GROUP : n;
            for (int r = rg; r < rgEnd; r++) {
                const uint16_t *wrow = w + row_elems * r;
                int i = ig;
                for (; i + 4 <= igEnd; i += 4) {
                    f16_tile4(wrow, cols, x + (int64_t)i * cols, cols, res);
                    for (int t = 0; t < 4; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
                for (; i < igEnd; i++) {
                    f16_tile1(wrow, cols, x + (int64_t)i * cols, cols, res);
                    out[i * out_stride + (r - r0)] = res[0];
                }
            }
        }
    }
}

/*
 * ---- Q4_K weights x Q8_K activations ----
 *
 * Super-block of 256 values, 144 bytes: d f16 @0 | dmin f16 @2 | scales 12 bytes @4 (eight 6-bit scales and
 * eight 6-bit mins) | qs u8[128] @16; value 64c + l (l < 32) is the low nibble of qs[32c + l], value 64c + 32 + l
 * its high nibble; value v of sub-block j = v / 32 is d * sc[j] * q - dmin * m[j]. Activations Q8_K: xq int8,
 * xd float per 256, xs int16 sums per 16 values.
 * Per super-block two exact int32 sums, sum = sum_j sc[j] * (sum of q x over sub-block j) and
 * msum = sum_j m[j] * (x sum over sub-block j), then acc += (float) sum * (d * d_x), mins += (float) msum *
 * (dmin * d_x), result acc - mins: the scalar twin's operations (IntDots.dotQ4_K), so the same bits. Products
 * as maddubs (nibble 0..15 unsigned times x: pairs <= 3810) and madd with the sub-block's scale in int16 lanes.
 */
/*
 * The eight 6-bit scales and eight 6-bit mins of the 12 packed bytes, as int16 lanes: lanes 0-7 of the result's
 * low half are the scales, lanes 0-7 of its high half the mins (j < 4: low six bits of bytes j and j + 4; j >= 4:
 * the nibbles of byte j + 4 with the top two bits of bytes j - 4 and j as bits 4-5), computed on three 32-bit
 * words at once.
 */
static inline __m256i q4k_scales(const uint8_t *sc) {
    uint32_t w0, w1, w2;
    memcpy(&w0, sc, 4);
    memcpy(&w1, sc + 4, 4);
    memcpy(&w2, sc + 8, 4);
    const uint32_t m6 = 0x3f3f3f3fu, m4 = 0x0f0f0f0fu, m2 = 0x03030303u;
    uint32_t sc_lo = w0 & m6;                                     /* scales 0-3 */
    uint32_t mn_lo = w1 & m6;                                     /* mins 0-3 */
    uint32_t sc_hi = (w2 & m4) | (((w0 >> 6) & m2) << 4);         /* scales 4-7 */
    uint32_t mn_hi = ((w2 >> 4) & m4) | (((w1 >> 6) & m2) << 4);  /* mins 4-7 */
    __m128i bytes = _mm_set_epi32((int)mn_hi, (int)mn_lo, (int)sc_hi, (int)sc_lo);
    return _mm256_cvtepu8_epi16(bytes); /* 16 int16: scales 0-7, mins 0-7 */
}

#define DEFINE_Q4K_TILE(NAME, T)                                                                           \
    static inline void NAME(const uint8_t *wrow, int nb, const int8_t *xq, const float *xd, const int16_t *xs, \
                            int cols, float *res) {                                                      \
        float acc[T], mins[T];                                                                           \
        for (int t = 0; t < T; t++) {                                                                    \
            acc[t] = 0.0f;                                                                               \
            mins[t] = 0.0f;                                                                              \
        }                                                                                                \
        const __m256i m4 = _mm256_set1_epi8(0x0F);                                                       \
        for (int b = 0; b < nb; b++) {                                                                   \
            const uint8_t *blk = wrow + 144L * b;                                                        \
            __m256i sm = q4k_scales(blk + 4);                                                            \
            __m128i scales = _mm256_castsi256_si128(sm);                                                 \
            /* mins as int16 pairs (m0 m0 m1 m1 ... m7 m7) against the 16 group sums of x */              \
            __m128i mn = _mm256_extracti128_si256(sm, 1);                                                \
            __m256i mins2 = _mm256_set_m128i(_mm_unpackhi_epi16(mn, mn), _mm_unpacklo_epi16(mn, mn));    \
            __m256i u[8], sv[8];                                                                         \
            for (int c = 0; c < 4; c++) {                                                                \
                __m256i q = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * c));                    \
                u[2 * c] = _mm256_and_si256(q, m4);                                                      \
                u[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);                          \
            }                                                                                            \
            sv[0] = _mm256_broadcastw_epi16(scales);                                                     \
            sv[1] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 2));                                  \
            sv[2] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 4));                                  \
            sv[3] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 6));                                  \
            sv[4] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 8));                                  \
            sv[5] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 10));                                 \
            sv[6] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 12));                                 \
            sv[7] = _mm256_broadcastw_epi16(_mm_srli_si128(scales, 14));                                 \
            float d = f16(blk), dmin = f16(blk + 2);                                                     \
            _Pragma("GCC unroll 8") for (int t = 0; t < T; t++) {                                      \
                const int8_t *x = xq + (int64_t)t * cols + 256L * b;                                     \
                __m256i s = _mm256_setzero_si256();                                                      \
                _Pragma("GCC unroll 8") for (int j = 0; j < 8; j++) {                                  \
                    __m256i p = _mm256_maddubs_epi16(u[j], _mm256_loadu_si256((const __m256i *)(x + 32 * j))); \
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(p, sv[j]));                                \
                }                                                                                        \
                __m256i g = _mm256_loadu_si256((const __m256i *)(xs + (int64_t)t * (cols / 16) + 16L * b)); \
                __m256i ms = _mm256_madd_epi16(g, mins2);                                                \
                /* both sums exact in int32; lanes added in any order give the same integers */          \
                __m256i both = _mm256_hadd_epi32(s, ms);  /* s pairs in lanes 0,1,4,5; ms in 2,3,6,7 */  \
                __m128i h = _mm_add_epi32(_mm256_castsi256_si128(both), _mm256_extracti128_si256(both, 1)); \
                h = _mm_hadd_epi32(h, h);                                                                \
                int32_t sum = _mm_cvtsi128_si32(h);                                                      \
                int32_t msum = _mm_extract_epi32(h, 1);                                                  \
                float dx = xd[(int64_t)t * nb + b];                                                      \
                acc[t] += (float)sum * (d * dx);                                                         \
                mins[t] += (float)msum * (dmin * dx);                                                    \
            }                                                                                            \
        }                                                                                                \
        for (int t = 0; t < T; t++) res[t] = acc[t] - mins[t];                                           \
    }

DEFINE_Q4K_TILE(q4_k_tile8, 8)
DEFINE_Q4K_TILE(q4_k_tile4, 4)
DEFINE_Q4K_TILE(q4_k_tile1, 1)

/* As stellar_q6_k_matmul, for Q4_K weights; xs: the activations' int16 sums per 16 values (n, cols / 16). */
void stellar_q4_k_matmul(const uint8_t *w, int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1,
                         const int8_t *xq, const float *xd, const int16_t *xs, int32_t n, float *out,
                         int64_t out_stride) {
    int nb = cols / 256;
    float res[8];
    for (int rg = r0; rg < r1; rg += ROW_GROUP) {
        int rgEnd = rg + ROW_GROUP < r1 ? rg + ROW_GROUP : r1;
        for (int ig = 0; ig < n; ig += ACT_GROUP) {
            int igEnd = ig + ACT_GROUP < n ? ig + ACT_GROUP : n;
            for (int r = rg; r < rgEnd; r++) {
                const uint8_t *wrow = w + row_bytes * r;
                int i = ig;
                for (; i + 8 <= igEnd; i += 8) {
                    q4_k_tile8(wrow, nb, xq + (int64_t)i * cols, xd + (int64_t)i * nb, xs + (int64_t)i * (cols / 16),
                               cols, res);
                    for (int t = 0; t < 8; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
                for (; i + 4 <= igEnd; i += 4) {
                    q4_k_tile4(wrow, nb, xq + (int64_t)i * cols, xd + (int64_t)i * nb, xs + (int64_t)i * (cols / 16),
                               cols, res);
                    for (int t = 0; t < 4; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
                for (; i < igEnd; i++) {
                    q4_k_tile1(wrow, nb, xq + (int64_t)i * cols, xd + (int64_t)i * nb, xs + (int64_t)i * (cols / 16),
                               cols, res);
                    out[i * out_stride + (r - r0)] = res[0];
                }
            }
        }
    }
}
