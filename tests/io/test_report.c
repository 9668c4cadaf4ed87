/* tests/io/test_report.c — report writers: report.json parses back with the
 * fields and values, metrics.csv has one row per (population, method), the
 * HTML holds the tables and PNGs that decode; SHA-256 and base64 against
 * published vectors; atomic output. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <jansson.h>

#include "mfm_test.h"
#include "report.h"
#include "report_write.h"
#include "report_plot.h"
#include "report_sha256.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state;
static double gauss(void)
{
    /* xorshift64* + Box-Muller: deterministic test clouds. */
    double u[2];
    for (int i = 0; i < 2; i++) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        u[i] = ((double)((rng_state * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static float *cloud(size_t n, size_t d, double shift)
{
    float *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)(gauss() * (1.0 + 0.5 * (double)j) + shift * (double)(j + 1));
    return x;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static char tmpdir[256];
static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-test-report-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tree(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(dp)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(dp);
    rmdir(dir);
}

static size_t count_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    ck_assert_ptr_nonnull(dp);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(dp);
    return n;
}

/* ------------------------------------------------------- the test report */

enum { D = 4, NPOP = 2, NMETH = 3 };
static const char *const features[D] = {"CD3", "pSTAT1", "CD20, B", "pERK"};
static const char *const keys[2] = {"patient_id", "condition"};
static const char *const methods[NMETH] = {"MFM", "identity", "oracle_mean_shift"};
static const mfm_method_kind kinds[NMETH] = {MFM_METHOD_PREDICTION, MFM_METHOD_BASELINE,
                                             MFM_METHOD_ORACLE};
static const char *const pop_keys[NPOP * 2] = {"Patient1", "BCRXL", "Patient\"2", "BCRXL"};

/* Metric values planted for (p, m): distinct, so a mix-up shows.  Identity
 * has the best W1 on population 0, MFM elsewhere; the oracle is best of all
 * but must never be "best". */
static mfm_metrics planted(size_t p, size_t m)
{
    mfm_metrics x;
    memset(&x, 0, sizeof x);
    double base = 1.0 + (double)p;
    double q = m == 0 ? 0.5 : m == 1 ? 1.0 : 0.1;
    x.w1 = base * q;
    if (p == 0 && m == 1)
        x.w1 = 0.2;
    x.w2 = 2.0 * x.w1;
    x.mmd = 0.01 * q;
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
        x.mmd_gamma[g] = 0.001 * (double)(g + 1) * q;
    x.energy = 0.3 * q + 0.01 * (double)p;
    x.r_pairwise_corr = m == 1 ? NAN : 0.9 - 0.1 * q;
    x.r2_means = 1.0 - q;
    x.mean_l2 = q;
    x.mean_mse = q * q / D;
    x.mean_l1 = 1.5 * q;
    x.edist = 2.0 * q;
    x.edist_p = 0.5;
    x.n_pred = 100 + 10 * m;
    x.n_true = 200 + p;
    x.n_pred_used = x.n_pred;
    x.n_true_used = x.n_true;
    return x;
}

static const double gammas[MFM_MMD_NGAMMA] = {2, 1, 0.5, 0.1, 0.01, 0.005};

/* Report with NPOP populations; population 1 has no control when
 * no_control_1 is set. */
static void build(mfm_report *r, int no_control_1)
{
    rng_state = 0x9E3779B97F4A7C15ull;
    ck_assert_int_eq(mfm_report_init(r, D, features, 2, keys, NMETH, methods, kinds, NPOP, pop_keys),
                     MFM_OK);
    for (size_t p = 0; p < NPOP; p++) {
        float *ctl = cloud(150, D, 0.0), *tru = cloud(220, D, 1.0 + (double)p);
        size_t nctl = (p == 1 && no_control_1) ? 0 : 150;
        ck_assert_int_eq(mfm_report_set_population(r, p, tru, 220, nctl ? ctl : NULL, nctl), MFM_OK);
        for (size_t m = 0; m < NMETH; m++) {
            float *pred = cloud(100 + 10 * m, D, m == 1 ? 0.0 : 0.8 + (double)p);
            mfm_metrics mm = planted(p, m);
            ck_assert_int_eq(mfm_report_set_result(r, p, m, pred, 100 + 10 * m, &mm), MFM_OK);
            free(pred);
        }
        free(ctl);
        free(tru);
    }
    ck_assert_int_eq(mfm_report_set_provenance(r, "0.1.0", "mfm eval --pred a.h5ad --out x", 5000, 42,
                                               gammas),
                     MFM_OK);
    ck_assert_int_eq(mfm_report_add_note(r, "train-mean shift: leave-one-population-out <test>"),
                     MFM_OK);
}

/* -------------------------------------------------------------- the tests */

START_TEST(test_sha256_vectors)
{
    static const struct {
        const char *msg;
        const char *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        mfm_sha256 s;
        char hex[65];
        mfm_sha256_init(&s);
        /* Feed in two pieces to exercise the block buffer. */
        size_t n = strlen(v[i].msg), h = n / 3;
        mfm_sha256_update(&s, v[i].msg, h);
        mfm_sha256_update(&s, v[i].msg + h, n - h);
        mfm_sha256_final(&s, hex);
        ck_assert_str_eq(hex, v[i].hex);
    }
    /* One million 'a' (FIPS 180-2 appendix B.3). */
    mfm_sha256 s;
    char hex[65], block[1000];
    memset(block, 'a', sizeof block);
    mfm_sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        mfm_sha256_update(&s, block, sizeof block);
    mfm_sha256_final(&s, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* The dataset checksums published in datasets/SHA256SUMS (made by sha256sum). */
START_TEST(test_sha256_matches_dataset_sums)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/SHA256SUMS", mfm_test_env("MFM_DATASETS"));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t checked = 0;
    while (fgets(line, sizeof line, f)) {
        char want[65], name[400];
        if (sscanf(line, "%64s %399s", want, name) != 2)
            continue;
        const char *base = name[0] == '*' ? name + 1 : name;
        char file[4096], got[65];
        snprintf(file, sizeof file, "%s/%s", mfm_test_env("MFM_DATASETS"), base);
        ck_assert_int_eq(mfm_sha256_file(file, got), MFM_OK);
        ck_assert_str_eq(got, want);
        checked++;
    }
    fclose(f);
    ck_assert_uint_ge(checked, 3);
    char got[65];
    ck_assert_int_eq(mfm_sha256_file("/nonexistent/x.h5ad", got), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "/nonexistent/x.h5ad"));
}
END_TEST

START_TEST(test_base64_vectors)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char *b = mfm_base64((const unsigned char *)in[i], strlen(in[i]));
        ck_assert_ptr_nonnull(b);
        ck_assert_str_eq(b, out[i]);
        free(b);
    }
}
END_TEST

START_TEST(test_means_and_best)
{
    mfm_report r = {0};
    build(&r, 0);
    mfm_metrics mean;
    size_t c;
    mfm_report_method_mean(&r, 0, &mean, &c);
    ck_assert_uint_eq(c, 2);
    /* MFM W1: (1 * 0.5 + 2 * 0.5) / 2 = 0.75. */
    ck_assert_double_eq_tol(mean.w1, 0.75, 1e-12);
    ck_assert_double_eq_tol(mean.mmd_gamma[2], 0.0015, 1e-15);
    mfm_report_method_mean(&r, 1, &mean, &c);
    /* identity W1: (0.2 + 2.0) / 2 = 1.1 */
    ck_assert_double_eq_tol(mean.w1, 1.1, 1e-12);
    ck_assert(isnan(mean.r_pairwise_corr));
    ck_assert_uint_eq(mean.n_pred, 110);
    /* Best W1 by mean is MFM (0.75 < 1.1); the oracle (0.15) is excluded. */
    ck_assert_uint_eq(mfm_report_best_method(&r, 0), 0);
    /* r is NaN for identity: best is MFM; R2 higher-better: MFM (0.5 > 0). */
    ck_assert_uint_eq(mfm_report_best_method(&r, 6), 0);
    ck_assert_uint_eq(mfm_report_best_method(&r, 7), 0);
    /* A p-value is not a quality: no best method for it. */
    ck_assert_str_eq(mfm_report_metrics[5].name, "E_distance_p");
    ck_assert_uint_eq(mfm_report_best_method(&r, 5), (size_t)-1);
    mfm_report_destroy(&r);
    mfm_report_destroy(&r);
}
END_TEST

/* A method evaluated on no population (a train-mean shift without training
 * targets) has undefined means: NaN from mfm_report_method_mean, null in
 * report.json, never 0 (which would read as a perfect score). */
START_TEST(test_method_without_populations)
{
    make_tmpdir();
    mfm_report r = {0};
    rng_state = 0x9E3779B97F4A7C15ull;
    ck_assert_int_eq(mfm_report_init(&r, D, features, 2, keys, NMETH, methods, kinds, NPOP, pop_keys),
                     MFM_OK);
    for (size_t p = 0; p < NPOP; p++) {
        float *ctl = cloud(150, D, 0.0), *tru = cloud(220, D, 1.0);
        ck_assert_int_eq(mfm_report_set_population(&r, p, tru, 220, ctl, 150), MFM_OK);
        for (size_t m = 0; m < NMETH; m += 2) { /* skip method 1 (identity) */
            float *pred = cloud(100, D, 0.8);
            mfm_metrics mm = planted(p, m);
            ck_assert_int_eq(mfm_report_set_result(&r, p, m, pred, 100, &mm), MFM_OK);
            free(pred);
        }
        free(ctl);
        free(tru);
    }
    ck_assert_int_eq(mfm_report_set_provenance(&r, "0.1.0", "mfm eval", 5000, 0, gammas), MFM_OK);
    mfm_metrics mean;
    size_t c = 99;
    mfm_report_method_mean(&r, 1, &mean, &c);
    ck_assert_uint_eq(c, 0);
    ck_assert(isnan(mean.w1) && isnan(mean.w2) && isnan(mean.mmd) && isnan(mean.mean_l1));
    ck_assert(isnan(mean.mmd_gamma[0]));
    ck_assert_uint_eq(mean.n_pred, 0);
    char out[512], path[600];
    snprintf(out, sizeof out, "%s/out", tmpdir);
    ck_assert_int_eq(mfm_report_write_dir(&r, out), MFM_OK);
    snprintf(path, sizeof path, "%s/report.json", out);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    ck_assert_msg(root != NULL, "report.json does not parse: %s line %d", jerr.text, jerr.line);
    json_t *mm = json_object_get(json_object_get(root, "method_means"), "identity");
    ck_assert_ptr_nonnull(mm);
    ck_assert_int_eq(json_integer_value(json_object_get(mm, "n_populations")), 0);
    ck_assert(json_is_null(json_object_get(mm, "W1")));
    ck_assert(json_is_null(json_object_get(mm, "MMD")));
    ck_assert(json_is_null(json_object_get(json_object_get(mm, "MMD_per_gamma"), "2")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "best_method"), "W1")),
                     "MFM");
    json_decref(root);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

START_TEST(test_json_round_trip)
{
    make_tmpdir();
    mfm_report r = {0};
    build(&r, 0);
    char input[512];
    snprintf(input, sizeof input, "%s/in.txt", tmpdir);
    FILE *f = fopen(input, "w");
    fputs("abc", f);
    fclose(f);
    ck_assert_int_eq(mfm_report_add_input(&r, input), MFM_OK);
    char out[512];
    snprintf(out, sizeof out, "%s/out", tmpdir);
    ck_assert_int_eq(mfm_report_write_dir(&r, out), MFM_OK);
    ck_assert_uint_eq(count_entries(out), 3); /* no temporary files left */
    /* MFM_TEST_KEEP=DIR keeps a copy of this report for looking at it. */
    const char *keep = getenv("MFM_TEST_KEEP");
    if (keep && keep[0])
        ck_assert_int_eq(mfm_report_write_dir(&r, keep), MFM_OK);

    char path[600];
    snprintf(path, sizeof path, "%s/report.json", out);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    ck_assert_msg(root != NULL, "report.json does not parse: %s line %d", jerr.text, jerr.line);
    ck_assert_str_eq(json_string_value(json_object_get(root, "version")), "0.1.0");
    ck_assert_str_eq(json_string_value(json_object_get(root, "command_line")),
                     "mfm eval --pred a.h5ad --out x");
    json_t *in0 = json_array_get(json_object_get(root, "inputs"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(in0, "sha256")),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "subsample"), "cap")),
                     5000);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "features")), D);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "mmd_gammas")), MFM_MMD_NGAMMA);
    ck_assert_double_eq(json_real_value(json_array_get(json_object_get(root, "mmd_gammas"), 5)), 0.005);
    json_t *pops = json_object_get(root, "populations");
    ck_assert_uint_eq(json_array_size(pops), NPOP);
    static const char *const fields[] = {"W1", "W2", "MMD", "energy", "r_pairwise_corr", "R2_means",
                                         "mean_L2", "n_pred", "n_true", "cap", "seed",
                                         "MMD_per_gamma"};
    for (size_t p = 0; p < NPOP; p++) {
        json_t *po = json_array_get(pops, p);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(po, "keys"), "patient_id")),
                         pop_keys[2 * p]);
        json_t *res = json_object_get(po, "results");
        for (size_t m = 0; m < NMETH; m++) {
            json_t *e = json_object_get(res, methods[m]);
            ck_assert_msg(e != NULL, "population %zu lacks method %s", p, methods[m]);
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
                ck_assert_msg(json_object_get(e, fields[k]) != NULL, "missing field %s", fields[k]);
            mfm_metrics want = planted(p, m);
            ck_assert_double_eq_tol(json_number_value(json_object_get(e, "W1")), want.w1, 1e-11);
            ck_assert_double_eq_tol(json_number_value(json_object_get(e, "energy")), want.energy, 1e-11);
            ck_assert_int_eq(json_integer_value(json_object_get(e, "n_pred")), (json_int_t)want.n_pred);
            ck_assert_int_eq(json_integer_value(json_object_get(e, "seed")), 42);
            if (m == 1)
                ck_assert(json_is_null(json_object_get(e, "r_pairwise_corr")));
        }
    }
    json_t *mm = json_object_get(json_object_get(root, "method_means"), "MFM");
    ck_assert_double_eq_tol(json_number_value(json_object_get(mm, "W1")), 0.75, 1e-11);
    ck_assert_int_eq(json_integer_value(json_object_get(mm, "n_populations")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "best_method"), "W1")),
                     "MFM");
    /* "identity" has no r on any population: its mean r is null. */
    ck_assert(json_is_null(json_object_get(json_object_get(json_object_get(root, "method_means"),
                                                           "identity"), "r_pairwise_corr")));
    json_decref(root);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

START_TEST(test_csv_rows)
{
    make_tmpdir();
    mfm_report r = {0};
    build(&r, 0);
    char path[512];
    snprintf(path, sizeof path, "%s/metrics.csv", tmpdir);
    ck_assert_int_eq(mfm_report_write_csv(&r, path), MFM_OK);
    char *csv = slurp(path, NULL);
    size_t lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    ck_assert_uint_eq(lines, 1 + NPOP * NMETH);
    ck_assert_ptr_nonnull(strstr(csv, "population,patient_id,condition,method,kind,W1,W2,MMD,energy,"
                                      "E_distance,E_distance_p,r_pairwise_corr,R2_means,"
                                      "pearson_delta,pearson_delta_top20,R2_delta_top20,"
                                      "R2_delta_top50,R2_delta_top100,direction_top20,"
                                      "direction_top50,direction_top100,mean_L2,mean_MSE,mean_L1,"
                                      "n_pred,n_true,n_pred_used,n_true_used,cap,seed\n"));
    /* The quote in Patient"2 is doubled and the field quoted. */
    ck_assert_ptr_nonnull(strstr(csv, "\n\"patient_id=Patient\"\"2, condition=BCRXL\",\"Patient\"\"2\",BCRXL,MFM,prediction,1,"));
    ck_assert_ptr_nonnull(strstr(csv, ",identity,baseline,0.2,0.4,"));
    ck_assert_ptr_nonnull(strstr(csv, ",NaN,"));
    free(csv);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

typedef struct png_src {
    const unsigned char *data;
    size_t len, pos;
} png_src;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
    png_src *src = closure;
    if (src->len - src->pos < length)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, src->data + src->pos, length);
    src->pos += length;
    return CAIRO_STATUS_SUCCESS;
}

/* Decode every embedded PNG with cairo's PNG reader. */
static size_t check_pngs(const char *html)
{
    const char *tag = "data:image/png;base64,";
    size_t n = 0;
    for (const char *p = strstr(html, tag); p; p = strstr(p, tag)) {
        p += strlen(tag);
        size_t len = strcspn(p, "\"");
        /* base64 decode */
        unsigned char *bin = malloc(len);
        ck_assert_ptr_nonnull(bin);
        size_t o = 0;
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < len && p[i] != '='; i++) {
            const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            const char *c = strchr(tab, p[i]);
            ck_assert_msg(c != NULL, "bad base64 character %c", p[i]);
            acc = (acc << 6) | (unsigned)(c - tab);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                bin[o++] = (unsigned char)(acc >> bits);
                acc &= (1u << bits) - 1;
            }
        }
        png_src src = {bin, o, 0};
        cairo_surface_t *s = cairo_image_surface_create_from_png_stream(png_read, &src);
        ck_assert_msg(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "PNG %zu does not decode: %s",
                      n, cairo_status_to_string(cairo_surface_status(s)));
        ck_assert_int_gt(cairo_image_surface_get_width(s), 100);
        ck_assert_int_gt(cairo_image_surface_get_height(s), 100);
        ck_assert_uint_eq(src.pos, o); /* the whole PNG was consumed */
        cairo_surface_destroy(s);
        free(bin);
        n++;
    }
    return n;
}

START_TEST(test_html_tables_and_images)
{
    make_tmpdir();
    mfm_report r = {0};
    build(&r, _i);
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", tmpdir);
    ck_assert_int_eq(mfm_report_write_html(&r, path), MFM_OK);
    char *html = slurp(path, NULL);
    ck_assert_ptr_nonnull(strstr(html, "<!DOCTYPE html>"));
    ck_assert_ptr_nonnull(strstr(html, "<table id=\"summary\">"));
    ck_assert_ptr_nonnull(strstr(html, "<table id=\"populations\">"));
    ck_assert_ptr_nonnull(strstr(html, "</html>"));
    /* User strings are escaped. */
    ck_assert_ptr_nonnull(strstr(html, "Patient&quot;2"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;test&gt;"));
    ck_assert_ptr_null(strstr(html, "<test>"));
    /* The best W1 cell (MFM 0.75) is highlighted in the summary. */
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"best\">0.75</td>"));
    /* MFM (0.75 mean W1, identity 1.1) wins W1, W2, MMD, energy,
     * E-distance, R2 and the three mean errors against the only baseline;
     * r is NaN for identity and the mean-change metrics need a control, so
     * 9 metrics compare. */
    ck_assert_ptr_nonnull(strstr(html, "<b>MFM</b> beats the strongest baseline on 9 of 9 metrics"));
    /* The paired comparison in words (2 populations, exact). */
    ck_assert_ptr_nonnull(strstr(html, "MFM is better than identity on W2 in"));
    /* bars + per population (scatter + mean shift unless no control). */
    size_t want = 1 + 2 * NPOP - (size_t)_i;
    ck_assert_uint_eq(check_pngs(html), want);
    if (_i)
        ck_assert_ptr_nonnull(strstr(html, "No control population"));
    free(html);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

/* Values within 1e-6 relative are ties: both methods highlighted, and a
 * baseline that is only rounding-noise worse is not "beaten". */
START_TEST(test_ties)
{
    make_tmpdir();
    static const char *const m2[2] = {"A", "base"};
    static const mfm_method_kind k2[2] = {MFM_METHOD_PREDICTION, MFM_METHOD_BASELINE};
    mfm_report r = {0};
    ck_assert_int_eq(mfm_report_init(&r, D, features, 2, keys, 2, m2, k2, 1, pop_keys), MFM_OK);
    rng_state = 7;
    float *tru = cloud(50, D, 0.0);
    ck_assert_int_eq(mfm_report_set_population(&r, 0, tru, 50, NULL, 0), MFM_OK);
    mfm_metrics a = planted(0, 0), b = a;
    b.w1 = a.w1 * (1.0 + 1e-9);   /* tie */
    b.mmd = a.mmd * (1.0 + 1e-3); /* A really better */
    ck_assert_int_eq(mfm_report_set_result(&r, 0, 0, tru, 50, &a), MFM_OK);
    ck_assert_int_eq(mfm_report_set_result(&r, 0, 1, tru, 50, &b), MFM_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", tmpdir);
    ck_assert_int_eq(mfm_report_write_html(&r, path), MFM_OK);
    char *html = slurp(path, NULL);
    char *end = strstr(html, "</table>"); /* end of the summary table */
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    size_t best = 0;
    for (const char *p = strstr(html, "class=\"best\""); p; p = strstr(p + 1, "class=\"best\""))
        best++;
    /* A: the 10 ranked metrics with values; base: the 9 ties (all but MMD). */
    ck_assert_uint_eq(best, 10 + 9);
    *end = '<';
    ck_assert_ptr_nonnull(strstr(html, "<b>A</b> beats the strongest baseline on 1 of 10 metrics"));
    free(html);
    free(tru);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

START_TEST(test_write_dir_failure_leaves_nothing)
{
    make_tmpdir();
    mfm_report r = {0};
    build(&r, 0);
    char out[512];
    snprintf(out, sizeof out, "%s/missing/parent", tmpdir);
    ck_assert_int_eq(mfm_report_write_dir(&r, out), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "missing/parent"));
    /* A read-only directory: the first temporary file cannot be created. */
    snprintf(out, sizeof out, "%s/ro", tmpdir);
    ck_assert_int_eq(mkdir(out, 0555), 0);
    if (access(out, W_OK) != 0) { /* not root */
        ck_assert_int_eq(mfm_report_write_dir(&r, out), MFM_EIO);
        ck_assert_uint_eq(count_entries(out), 0);
    }
    chmod(out, 0755);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

START_TEST(test_bad_use)
{
    mfm_report r = {0};
    mfm_metrics m = planted(0, 0);
    ck_assert_int_eq(mfm_report_init(&r, 0, features, 2, keys, NMETH, methods, kinds, NPOP, pop_keys),
                     MFM_EINVAL);
    ck_assert_int_eq(mfm_report_init(&r, D, features, 2, keys, NMETH, methods, kinds, NPOP, pop_keys),
                     MFM_OK);
    float one[D] = {0, 0, 0, 0};
    ck_assert_int_eq(mfm_report_set_result(&r, 0, 0, one, 1, &m), MFM_EINVAL); /* pop not set */
    ck_assert_int_eq(mfm_report_set_population(&r, 0, one, 1, NULL, 0), MFM_EINVAL);
    float *tru = cloud(10, D, 0.0);
    tru[7] = NAN;
    ck_assert_int_eq(mfm_report_set_population(&r, 0, tru, 10, NULL, 0), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 1, column 3"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "patient_id=Patient1"));
    free(tru);
    ck_assert_str_eq(r.pops[1].name, "patient_id=Patient\"2, condition=BCRXL");
    mfm_report_destroy(&r);
}
END_TEST

/* A training log adds a loss-curve image; intervals show under the values. */
START_TEST(test_loss_curve_and_intervals)
{
    make_tmpdir();
    mfm_report r = {0};
    build(&r, 0);
    const double step[3] = {1, 2, 3}, loss[3] = {2.0, 1.0, 0.5}, ema[3] = {2.0, 1.8, 1.5};
    ck_assert_int_eq(mfm_report_set_loss(&r, step, loss, ema, 3), MFM_OK);
    mfm_metrics draws[4];
    for (size_t b = 0; b < 4; b++) {
        draws[b] = r.entries[0].m;
        draws[b].w2 = 1.0 + (double)b; /* interval [1.075, 3.925] at 95 % */
    }
    r.ci_level = 0.95;
    ck_assert_int_eq(mfm_report_set_intervals(&r, 0, 0, draws, 4), MFM_OK);
    ck_assert_double_eq_tol(r.entries[0].ci_lo[1], 1.075, 1e-12);
    ck_assert_double_eq_tol(r.entries[0].ci_hi[1], 3.925, 1e-12);
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", tmpdir);
    ck_assert_int_eq(mfm_report_write_html(&r, path), MFM_OK);
    char *html = slurp(path, NULL);
    ck_assert_ptr_nonnull(strstr(html, "alt=\"loss curve\""));
    ck_assert_ptr_nonnull(strstr(html, "<td>1<br><small>[1.08, 3.92]</small></td>"));
    ck_assert_uint_eq(check_pngs(html), 2 + 2 * NPOP);
    free(html);
    mfm_report_destroy(&r);
    rm_tree(tmpdir);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("io-report");
    TCase *tc = tcase_create("report");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sha256_vectors);
    tcase_add_test(tc, test_sha256_matches_dataset_sums);
    tcase_add_test(tc, test_base64_vectors);
    tcase_add_test(tc, test_means_and_best);
    tcase_add_test(tc, test_json_round_trip);
    tcase_add_test(tc, test_method_without_populations);
    tcase_add_test(tc, test_csv_rows);
    tcase_add_loop_test(tc, test_html_tables_and_images, 0, 2);
    tcase_add_test(tc, test_ties);
    tcase_add_test(tc, test_loss_curve_and_intervals);
    tcase_add_test(tc, test_write_dir_failure_leaves_nothing);
    tcase_add_test(tc, test_bad_use);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(report_suite)
