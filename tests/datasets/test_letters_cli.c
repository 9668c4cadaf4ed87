/* tests/datasets/test_letters_cli.c — `mfm letters` through the real binary. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mfm_test.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-letters-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read the PNG signature and IHDR size of path. */
static void png_size(const char *path, uint32_t *w, uint32_t *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no file %s", path);
    ck_assert_uint_eq(fread(b, 1, sizeof b, f), sizeof b);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ck_assert_int_eq(memcmp(b, sig, 8), 0);
    ck_assert_int_eq(memcmp(b + 12, "IHDR", 4), 0);
    *w = be32(b + 16);
    *h = be32(b + 20);
}

START_TEST(test_preview_png)
{
    make_tmpdir();
    char out[8192], args[1024], png[512];
    snprintf(png, sizeof png, "%s/p.png", tmpdir);
    /* all 26 letters: 7 panels per row, 4 rows of 160 + 18 px */
    snprintf(args, sizeof args, "letters --rotations 2 --preview '%s'", png);
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "52 populations (train 48, val 2, test 2)"));
    uint32_t w, h;
    png_size(png, &w, &h);
    ck_assert_uint_eq(w, 7 * 160);
    ck_assert_uint_eq(h, 4 * (160 + 18));
    /* three letters, bigger panels */
    snprintf(args, sizeof args, "letters --letters A,O,X --rotations 1 --panel 100 --preview '%s'", png);
    rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "3 populations (train 2, val 1, test 0)"));
    png_size(png, &w, &h);
    ck_assert_uint_eq(w, 300);
    ck_assert_uint_eq(h, 118);
    remove_tmpdir();
}
END_TEST

/* Bad input: exit code and the piece of the message that names the culprit. */
typedef struct {
    const char *args;
    int code;
    const char *msg;
} cli_case;

static const cli_case bad[] = {
    {"letters", 2, "nothing to do"},
    {"letters --preview /tmp/x.png --rotations 0", 2, "--rotations 0 is out of range"},
    {"letters --preview /tmp/x.png --seed -1", 2, "--seed -1 is out of range"},
    {"letters --preview /tmp/x.png --threshold abc", 2, "--threshold expects a number"},
    {"letters --preview /tmp/x.png --bogus", 2, "unknown option '--bogus'"},
    {"letters --preview /tmp/x.png --font /nonexistent/f.ttf", 1, "font '/nonexistent/f.ttf'"},
    {"letters --preview /tmp/x.png --letters AbC", 1, "('b') is not a capital"},
    {"letters --preview /tmp/x.png --letters ABA", 1, "'A' is repeated"},
    {"letters --preview /tmp/x.png --val-letters X --test-letters X", 1, "'X' is in both"},
    {"letters --preview /tmp/x.png --letters W --font-size 300", 1, "larger than the 200 px canvas"},
    {"letters --preview /nonexistent-dir/p.png --letters A --rotations 1", 1, "/nonexistent-dir/p.png"},
};

START_TEST(test_bad_arguments)
{
    const cli_case *c = &bad[_i];
    char out[8192];
    int rc = mfm_test_run(out, sizeof out, c->args);
    ck_assert_msg(rc == c->code, "'%s': exit %d, want %d: %s", c->args, rc, c->code, out);
    ck_assert_msg(strstr(out, c->msg), "'%s': output lacks '%s': %s", c->args, c->msg, out);
}
END_TEST

static Suite *letters_cli_suite(void)
{
    Suite *s = suite_create("datasets-letters-cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, test_preview_png);
    tcase_add_loop_test(tc, test_bad_arguments, 0, (int)(sizeof bad / sizeof bad[0]));
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(letters_cli_suite)
