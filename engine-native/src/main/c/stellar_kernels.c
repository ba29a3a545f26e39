/*
 * StellarChat native int8 dot kernels, called from the engine through FFM (io.stellarchat.engine.tensor
 * .NativeKernelLibrary). One source, compiled once per instruction-set level by build-native.sh:
 *
 *   libstellar-kernels-avx2.so        -mavx2 -mfma -mf16c                      vpmaddubsw + vpmaddwd
 *   libstellar-kernels-avx512vnni.so  the above + -mavx512f/bw/vl -mavx512vnni  vpdpbusd (256-bit lanes)
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
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define STELLAR_ABI 1
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
#define DEFINE_TILE(NAME, LOAD, BSIZE, T)                                                              \
    static inline void NAME(const uint8_t *wrow, int nb, const int8_t *xq, const float *xd, int cols, \
                            float *res) {                                                            \
        __m256 acc0[T], acc1[T];                                                                     \
        for (int t = 0; t < T; t++) {                                                                \
            acc0[t] = _mm256_setzero_ps();                                                           \
            acc1[t] = _mm256_setzero_ps();                                                           \
        }                                                                                            \
        int b = 0;                                                                                   \
        for (; b + 2 <= nb; b += 2) {                                                                \
            wblock w0 = LOAD(wrow + (long)BSIZE * b);                                                \
            wblock w1 = LOAD(wrow + (long)BSIZE * (b + 1));                                          \
            for (int t = 0; t < T; t++) {                                                            \
                const int8_t *x = xq + (long)t * cols + 32L * b;                                     \
                const float *d = xd + (long)t * nb + b;                                              \
                acc0[t] = _mm256_fmadd_ps(block_dot(w0, x), _mm256_set1_ps(w0.d * d[0]), acc0[t]);  \
                acc1[t] = _mm256_fmadd_ps(block_dot(w1, x + 32), _mm256_set1_ps(w1.d * d[1]), acc1[t]); \
            }                                                                                        \
        }                                                                                            \
        if (b < nb) {                                                                                \
            wblock w0 = LOAD(wrow + (long)BSIZE * b);                                                \
            for (int t = 0; t < T; t++) {                                                            \
                const int8_t *x = xq + (long)t * cols + 32L * b;                                     \
                float dx = xd[(long)t * nb + b];                                                     \
                acc0[t] = _mm256_fmadd_ps(block_dot(w0, x), _mm256_set1_ps(w0.d * dx), acc0[t]);     \
            }                                                                                        \
        }                                                                                            \
        for (int t = 0; t < T; t++) {                                                                \
            res[t] = sum_lanes(_mm256_add_ps(acc0[t], acc1[t]));                                     \
        }                                                                                            \
    }

DEFINE_TILE(q8_0_tile8, load_q8_0, 34, 8)
DEFINE_TILE(q8_0_tile4, load_q8_0, 34, 4)
DEFINE_TILE(q8_0_tile1, load_q8_0, 34, 1)
DEFINE_TILE(q4_0_tile8, load_q4_0, 18, 8)
DEFINE_TILE(q4_0_tile4, load_q4_0, 18, 4)
DEFINE_TILE(q4_0_tile1, load_q4_0, 18, 1)

typedef void (*tile_fn)(const uint8_t *, int, const int8_t *, const float *, int, float *);

static void matmul(tile_fn t8, tile_fn t4, tile_fn t1, const uint8_t *w, int64_t row_bytes, int32_t cols,
                   int32_t r0, int32_t r1, const int8_t *xq, const float *xd, int32_t n, float *out,
                   int64_t out_stride) {
    int nb = cols / 32;
    float res[8];
    for (int rg = r0; rg < r1; rg += ROW_GROUP) {
        int rgEnd = rg + ROW_GROUP < r1 ? rg + ROW_GROUP : r1;
        for (int ig = 0; ig < n; ig += ACT_GROUP) {
            int igEnd = ig + ACT_GROUP < n ? ig + ACT_GROUP : n;
            for (int r = rg; r < rgEnd; r++) {
                const uint8_t *wrow = w + row_bytes * r;
                int i = ig;
                for (; i + 8 <= igEnd; i += 8) {
                    t8(wrow, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    for (int t = 0; t < 8; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
                for (; i + 4 <= igEnd; i += 4) {
                    t4(wrow, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    for (int t = 0; t < 4; t++) out[(i + t) * out_stride + (r - r0)] = res[t];
                }
                for (; i < igEnd; i++) {
                    t1(wrow, nb, xq + (long)i * cols, xd + (long)i * nb, cols, res);
                    out[i * out_stride + (r - r0)] = res[0];
                }
            }
        }
    }
}

/* out[i * out_stride + (r - r0)] = row r of Q8_0 weights w . activation row i, for r in [r0, r1), i in [0, n). */
void stellar_q8_0_matmul(const uint8_t *w, int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1,
                         const int8_t *xq, const float *xd, int32_t n, float *out, int64_t out_stride) {
    matmul(q8_0_tile8, q8_0_tile4, q8_0_tile1, w, row_bytes, cols, r0, r1, xq, xd, n, out, out_stride);
}

/* As stellar_q8_0_matmul, for Q4_0 weights. */
void stellar_q4_0_matmul(const uint8_t *w, int64_t row_bytes, int32_t cols, int32_t r0, int32_t r1,
                         const int8_t *xq, const float *xd, int32_t n, float *out, int64_t out_stride) {
    matmul(q4_0_tile8, q4_0_tile4, q4_0_tile1, w, row_bytes, cols, r0, r1, xq, xd, n, out, out_stride);
}
