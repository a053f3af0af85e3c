/* SPDX-License-Identifier: MIT */
/* Signature-set loading: every format, every error kind with its exact line
 * and message, de-duplication, flags, strict mode and rollback. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "index/index_internal.h" /* ph_index_checksum */
#include "phash/phash.h"
#include "testutil.h"

#define H1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define H1_UPPER "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22"
#define H2 "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af"
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

static phash_sigset_report rep;

static phash_status load(phash_sigset *s, const char *text, const char *name)
{
    return phash_sigset_load_memory(s, text, strlen(text), name, &rep);
}

/* Load text that must give exactly one invalid record with this message. */
static void expect_one_error(const char *text, phash_sigset_problem problem, const char *message)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    phash_status st = load(s, text, "list");
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.by_reason[problem], 1);
    ck_assert_uint_eq(rep.n_messages, 1);
    ck_assert_str_eq(rep.messages[0], message);
    /* Every test text also holds one good record, so the load succeeds. */
    ck_assert_int_eq(st, PHASH_OK);
    ck_assert_uint_eq(rep.inserted, 1);
    /* Strict mode: the same error fails the load and leaves the set empty. */
    phash_sigset_free(s);
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_STRICT, 1), PHASH_OK);
    ck_assert_int_eq(load(s, text, "list"), PHASH_ERR_BAD_FILE);
    ck_assert_str_eq(phash_sigset_last_error(s), message);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ) + phash_sigset_size(s, PHASH_SIG_PHASH),
                      0);
    ck_assert_uint_eq(phash_sigset_list_count(s), 0);
    phash_sigset_free(s);
}

static void check_invariant(void)
{
    ck_assert_uint_eq(rep.records,
                      rep.inserted + rep.duplicates + rep.invalid + rep.opaque_only + rep.zero +
                          rep.low_quality + rep.empty_file);
}

/* ---- one test per error kind, exact line and message ---- */

START_TEST(error_bad_length)
{
    expect_one_error(H1 "\npdq f8f8f0cee0f4a84f\n", PHASH_SIGSET_WRONG_ALGO,
                     "list:2: expected 64 hex digits (PDQ), found 16 hex digits (a pHash?)");
    expect_one_error(H1 "\n\npdq " H2 "a\n", PHASH_SIGSET_BAD_LENGTH,
                     "list:3: expected 64 hex digits (PDQ), found 65 hex digits");
    expect_one_error("abc\n" H1 "\n", PHASH_SIGSET_BAD_LENGTH,
                     "list:1: expected a PDQ hash (64 hex digits) or a pHash (16 hex digits or a "
                     "decimal number), found 3 characters");
    expect_one_error(H1 "\nphash abcdef\n", PHASH_SIGSET_BAD_LENGTH,
                     "list:2: expected 16 hex digits or a decimal number (pHash), found 6 hex "
                     "digits");
}
END_TEST

START_TEST(error_bad_character)
{
    expect_one_error("# list\n" H1 "\nf8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9bzz\n",
                     PHASH_SIGSET_BAD_CHARACTER,
                     "list:3: expected a PDQ hash (64 hex digits) or a pHash (16 hex digits or a "
                     "decimal number), found \"z\" at character 63 of the hash");
    expect_one_error("hash,algo\n" H1 ",pdq\n-12x,phash\n", PHASH_SIGSET_BAD_CHARACTER,
                     "list:3: expected 16 hex digits or a decimal number (pHash), found \"x\" at "
                     "character 4 of the hash");
}
END_TEST

START_TEST(error_out_of_range)
{
    expect_one_error("18446744073709551616\n" H1 "\n", PHASH_SIGSET_OUT_OF_RANGE,
                     "list:1: expected an unsigned decimal number below 2^64 (pHash), found "
                     "\"18446744073709551616\"");
    expect_one_error(H1 "\n-9223372036854775809\n", PHASH_SIGSET_OUT_OF_RANGE,
                     "list:2: expected a signed decimal number within 64 bits (pHash), found "
                     "\"-9223372036854775809\"");
}
END_TEST

START_TEST(error_missing_hash)
{
    expect_one_error("id,hash\nA," H1 "\nB,\n", PHASH_SIGSET_MISSING_HASH,
                     "list:3: expected a hash in the hash column, found an empty field");
    expect_one_error("{\"id\":\"x\"}\n{\"pdq\":\"" H1 "\"}\n", PHASH_SIGSET_MISSING_HASH,
                     "list:1: expected a hash member (hash, signal_str, pdq, phash, ...), found "
                     "none");
    expect_one_error("hash=,quality=100\n" H1 "\n", PHASH_SIGSET_MISSING_HASH,
                     "list:1: expected a PDQ hash (64 hex digits) or a pHash (16 hex digits or a "
                     "decimal number), found an empty field");
}
END_TEST

START_TEST(error_unknown_algo)
{
    expect_one_error("collab,signal_type,signal_str,category,tags\r\n"
                     "c,pdq," H1 ",TRUE_POSITIVE,\r\n"
                     "c,url,d41d8cd98f00b204e9800998ecf8427e,TRUE_POSITIVE,\r\n",
                     PHASH_SIGSET_UNKNOWN_ALGO,
                     "list:3: expected an algorithm phash holds (pdq, phash, md5, sha1, sha256, vpdq), "
                     "found \"url\"");
}
END_TEST

START_TEST(error_bad_syntax)
{
    expect_one_error("id,hash\n\"A," H1 "\nB," H1 "\n", PHASH_SIGSET_BAD_SYNTAX,
                     "list:2: expected a closing quote for the quote at character 1, found the "
                     "end of the line");
    expect_one_error("id,hash\n\"A\"x," H1 "\nB," H1 "\n", PHASH_SIGSET_BAD_SYNTAX,
                     "list:2: expected a delimiter after a closing quote, found \"x\" at "
                     "character 4");
    expect_one_error("{\"pdq\":\"" H1 "\"}\n{\"pdq\":\"" H1 "\" x}\n", PHASH_SIGSET_BAD_SYNTAX,
                     "list:2: expected ',' or '}' after a member, found \"x\" at character 75");
    expect_one_error("{\"pdq\":\"" H1 "\"}\n\n[1,2]\n", PHASH_SIGSET_BAD_SYNTAX,
                     "list:3: expected a JSON object, found \"[\" at character 1");
    expect_one_error("{\"pdq\":\"" H1 "\"}\n{\"pdq\":\"abc\\q\"}\n", PHASH_SIGSET_BAD_SYNTAX,
                     "list:2: expected a valid escape after a backslash, found \"q\" at "
                     "character 13");
}
END_TEST

START_TEST(error_line_too_long)
{
    char *text = malloc(2000);
    snprintf(text, 2000, "%s\n%0300d\n", H1, 7);
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_MAX_LINE, 256), PHASH_OK);
    ck_assert_int_eq(load(s, text, "list"), PHASH_OK);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_LINE_TOO_LONG], 1);
    ck_assert_str_eq(rep.messages[0],
                     "list:2: expected a line of at most 256 bytes, found a longer one");
    ck_assert_uint_eq(rep.inserted, 1);
    check_invariant();
    phash_sigset_free(s);
    free(text);
}
END_TEST

START_TEST(error_bad_quality)
{
    expect_one_error("hash,quality,filename\n" H1 ",100,a.jpg\n" H2 ",high,b.jpg\n",
                     PHASH_SIGSET_BAD_QUALITY,
                     "list:3: expected a quality from 0 to 100, found \"high\"");
    expect_one_error("{\"hash\":\"" H1 "\",\"quality\":101}\n{\"hash\":\"" H2 "\"}\n",
                     PHASH_SIGSET_BAD_QUALITY,
                     "list:1: expected a quality from 0 to 100, found \"101\"");
}
END_TEST

START_TEST(error_wrong_algo)
{
    expect_one_error("signal_type,signal_str\nphash," H1 "\npdq," H2 "\n", PHASH_SIGSET_WRONG_ALGO,
                     "list:2: expected 16 hex digits or a decimal number (pHash), found 64 hex "
                     "digits (a PDQ hash?)");
}
END_TEST

START_TEST(header_without_hash_column)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_FORMAT, PHASH_SIGSET_CSV),
                     PHASH_OK);
    ck_assert_int_eq(load(s, "\nname,value2,crc32\nx,y," H1 "\n", "list"), PHASH_ERR_BAD_FILE);
    const char *want = "list:2: expected a header naming a hash column (hash, signal_str, pdq, "
                       "phash, ...), found \"name,value2,crc32\"";
    ck_assert_str_eq(phash_sigset_last_error(s), want);
    ck_assert_uint_eq(rep.n_messages, 1);
    ck_assert_str_eq(rep.messages[0], want);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 0);
    phash_sigset_free(s);
}
END_TEST

START_TEST(only_bad_lines)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, H1 "\n", "good"), PHASH_OK);
    const char *bad = "xyz\n\n12ab\nhash=\ncrc32 d41d8cd9\n"
                      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"
                      "a\nb\nc\nd\ne\n";
    ck_assert_int_eq(load(s, bad, "bad"), PHASH_ERR_BAD_FILE);
    ck_assert_str_eq(phash_sigset_last_error(s),
                     "bad: no valid signature (10 records, 10 invalid)");
    ck_assert_uint_eq(rep.lines, 11);
    ck_assert_uint_eq(rep.records, 10);
    ck_assert_uint_eq(rep.invalid, 10);
    ck_assert_uint_eq(rep.inserted, 0);
    ck_assert_uint_eq(rep.n_messages, PHASH_SIGSET_MESSAGES);
    ck_assert_str_eq(rep.messages[0],
                     "bad:1: expected a PDQ hash (64 hex digits) or a pHash (16 hex digits or a "
                     "decimal number), found \"x\" at character 1 of the hash");
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_UNKNOWN_ALGO], 1);
    /* The set still holds exactly the first list. */
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 1);
    ck_assert_uint_eq(phash_sigset_list_count(s), 1);
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PDQ, 0), 1);
    /* An empty file and a file of blanks and comments fail too. */
    ck_assert_int_eq(load(s, "", "empty"), PHASH_ERR_BAD_FILE);
    ck_assert_int_eq(load(s, "\n# nothing\n\r\n", "blank"), PHASH_ERR_BAD_FILE);
    ck_assert_uint_eq(rep.records, 0);
    phash_sigset_free(s);
}
END_TEST

/* ---- files that are not lists (issue 17) ---- */

/* Random bytes, a UTF-16 export and a text file of prose are refused with a
 * clear detail; one-digit numbers are no pHash; a list with a few bad lines
 * still loads. Before: 10 MB of random bytes loaded 16 pHash entries. */
START_TEST(not_a_list_is_refused)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    size_t n = 100000;
    char *noise = malloc(n);
    uint32_t x = 7;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (char)(x >> 24);
    }
    ck_assert_int_eq(phash_sigset_load_memory(s, noise, n, "noise", &rep), PHASH_ERR_BAD_FILE);
    ck_assert_ptr_nonnull(strstr(phash_sigset_last_error(s), "noise: binary data, not a text list"));
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PHASH), 0);
    free(noise);

    /* UTF-16LE: every other byte is NUL. */
    const char *ascii = H1 "\n" H2 "\n";
    size_t an = strlen(ascii);
    char *utf16 = calloc(2, an);
    for (size_t i = 0; i < an; i++)
        utf16[2 * i] = ascii[i];
    ck_assert_int_eq(phash_sigset_load_memory(s, utf16, 2 * an, "u16", &rep), PHASH_ERR_BAD_FILE);
    ck_assert_str_eq(phash_sigset_last_error(s),
                     "u16: binary data, not a text list: 3 of 3 lines hold NUL or control bytes "
                     "(the first is line 1; a UTF-16 file must be saved as UTF-8)");
    free(utf16);

    char text[4096] = H1 "\n";
    for (int i = 0; i < 12; i++)
        strcat(text, "the quick brown fox\n");
    ck_assert_int_eq(load(s, text, "prose"), PHASH_ERR_BAD_FILE);
    ck_assert_ptr_nonnull(strstr(phash_sigset_last_error(s),
                                 "prose: not a signature list: 12 of 13 records are invalid "
                                 "(prose:2: expected an algorithm"));

    /* One-digit lines are invalid records, not pHashes; nine of them among
     * valid lines are reported, not fatal. */
    ck_assert_int_eq(load(s, "1\n2\n3\n4\n5\n6\n7\n8\n9\n" H1 "\n", "digits"), PHASH_OK);
    ck_assert_uint_eq(rep.invalid, 9);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_PHASH], 0);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_BAD_LENGTH], 9);
    ck_assert_str_eq(rep.messages[0], "digits:1: expected a pHash (16 hex digits or an unsigned "
                                      "decimal number of 10 to 20 digits), found a number of 1 "
                                      "digits");
    /* Ten digits and more are a pHash in decimal, as pHash prints them. */
    ck_assert_int_eq(load(s, "1234567890\n", "ten"), PHASH_OK);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_PHASH], 1);
    phash_sigset_free(s);
}
END_TEST

/* ---- formats ---- */

START_TEST(plain_forms_bom_crlf)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *text = "\xEF\xBB\xBF" H1_UPPER "\r\n"      /* 1: upper case, BOM, CRLF */
                       "hash=" H2 ",norm=128,delta=0,quality=100,filename=b.jpg\r\n" /* 2 */
                       H1 ",100,a.jpg\r\n"                  /* 3: Meta hasher output */
                       "  pdq " H2 "  \r\n"                 /* 4: pytx file form */
                       "ffffffffffffffff\n"                 /* 5: pHash hex */
                       "-1\n"                               /* 6: the same, signed */
                       "18446744073709551615\n"             /* 7: the same, unsigned */
                       "0x00000000000000FF\n"               /* 8 */
                       "255 some file.jpg\n";               /* 9: not hex-like: algo '255'? */
    ck_assert_int_eq(load(s, text, "p"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_PLAIN);
    ck_assert_uint_eq(rep.lines, 9);
    ck_assert_uint_eq(rep.records, 9);
    ck_assert_uint_eq(rep.inserted, 4);
    ck_assert_uint_eq(rep.duplicates, 4);
    ck_assert_uint_eq(rep.invalid, 1); /* "255 some": 255 is not an algorithm */
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_PDQ], 4);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_PHASH], 4);
    check_invariant();
    size_t n;
    const phash_pdq_code *codes = phash_sigset_pdq_codes(s, &n);
    ck_assert_uint_eq(n, 2);
    char hex[65];
    phash_pdq_to_hex(&codes[0], hex);
    ck_assert_str_eq(hex, H1); /* canonical lowercase */
    phash_pdq_to_hex(&codes[1], hex);
    ck_assert_str_eq(hex, H2);
    const uint64_t *u = phash_sigset_u64_codes(s, PHASH_SIG_PHASH, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(u[0], UINT64_MAX);
    ck_assert_uint_eq(u[1], 255);
    /* H1 is owned by lines 1 and 3, with the quality and metadata of 3. */
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PDQ, 0), 2);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "3");
    ck_assert_str_eq(o.metadata, "100,a.jpg");
    ck_assert_str_eq(o.list, "p");
    ck_assert_int_eq(o.quality, 100);
    ck_assert_uint_eq(o.line, 3);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 1, 0, &o), PHASH_OK);
    ck_assert_int_eq(o.quality, 100); /* from quality=100 in the --details form */
    ck_assert_str_eq(o.metadata, "norm=128,delta=0,quality=100,filename=b.jpg");
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PHASH, 0), 3);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PHASH, 0, 3, &o), PHASH_ERR_NOT_FOUND);
    phash_sigset_free(s);
}
END_TEST

START_TEST(threatexchange_csv_export)
{
    /* What `threatexchange dataset -P --csv` writes (Python's csv: CRLF). */
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *text = "collab,signal_type,signal_str,category,tags\r\n"
                       "Sample Data,pdq," H1 ",TRUE_POSITIVE,tag1 tag2\r\n"
                       "Other,pdq," H1 ",FALSE_POSITIVE,\r\n"
                       "Sample Data,pdq," H2 ",TRUE_POSITIVE,\"a,b\"\r\n";
    ck_assert_int_eq(load(s, text, "te.csv"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_CSV);
    ck_assert_uint_eq(rep.records, 3);
    ck_assert_uint_eq(rep.inserted, 2);
    ck_assert_uint_eq(rep.duplicates, 1);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "2");
    ck_assert_str_eq(o.metadata, "collab=Sample Data; category=TRUE_POSITIVE; tags=tag1 tag2");
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.metadata, "collab=Other; category=FALSE_POSITIVE");
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 1, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.metadata, "collab=Sample Data; category=TRUE_POSITIVE; tags=a,b");
    phash_sigset_free(s);
}
END_TEST

START_TEST(tsv_and_semicolon_multi_algo)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    /* One row per image with both hashes: two records each. */
    const char *tsv = "Image ID\tPDQ\tpHash\tSeries\n"
                      "img-1\t" H1 "\t8000000000000001\tS1\n"
                      "img-2\t\t-9223372036854775807\tS2\n"
                      "img-3\t" H2 "\t\t\n";
    ck_assert_int_eq(load(s, tsv, "t.tsv"), PHASH_OK);
    ck_assert_uint_eq(rep.records, 4);
    ck_assert_uint_eq(rep.inserted, 3);
    ck_assert_uint_eq(rep.duplicates, 1); /* 0x8000000000000001 == -9223372036854775807 */
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 2);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PHASH), 1);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PHASH, 0, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "img-2");
    ck_assert_str_eq(o.metadata, "Series=S2");
    const char *semi = "MD5;SHA1;PhotoDNA;Image ID;phash\n"
                       "d41d8cd98f00b204e9800998ecf8427e;;QUJD;77;00000000000000ff\n";
    ck_assert_int_eq(load(s, semi, "icse.csv"), PHASH_OK);
    /* The MD5 is the empty file's: flagged, counted, not inserted. */
    ck_assert_uint_eq(rep.records, 2);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_uint_eq(rep.empty_file, 1);
    ck_assert_uint_eq(rep.opaque[PHASH_SIGSET_OPAQUE_PHOTODNA], 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 0);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PHASH, 1, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "77");
    ck_assert_str_eq(o.list, "icse.csv");
    ck_assert_str_eq(o.metadata, "PhotoDNA=QUJD");
    phash_sigset_free(s);
}
END_TEST

START_TEST(json_lines)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *text = "{\"signal_type\": \"pdq\", \"signal_str\": \"" H1 "\", \"id\": \"A\\u00e91\","
                       " \"tags\": [\"x\", {\"y\": \"]}\"}], \"n\": 1.5e3}\n"
                       "\n"
                       "  {\"phash\": -1, \"quality\": 77, \"note\": null}  \n";
    ck_assert_int_eq(load(s, text, "j"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_JSONL);
    ck_assert_uint_eq(rep.records, 2);
    ck_assert_uint_eq(rep.inserted, 2);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "A\xc3\xa9" "1");
    ck_assert_str_eq(o.metadata, "{\"tags\":[\"x\", {\"y\": \"]}\"}],\"n\":1.5e3}");
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PHASH, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "3");
    ck_assert_int_eq(o.quality, 77); /* pHash quality is kept, never flagged */
    ck_assert_str_eq(o.metadata, "{\"note\":null}");
    ck_assert_uint_eq(phash_sigset_u64_codes(s, PHASH_SIG_PHASH, NULL)[0], UINT64_MAX);
    phash_sigset_free(s);
}
END_TEST

/* ---- flags, duplicates, strictness ---- */

START_TEST(flags_zero_and_low_quality)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *text = ZERO64 "\n" H1 ",49,a.jpg\n" H2 ",50,b.jpg\n0000000000000000\n";
    ck_assert_int_eq(load(s, text, "f"), PHASH_OK);
    ck_assert_uint_eq(rep.zero, 2);
    ck_assert_uint_eq(rep.low_quality, 1);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 1);
    check_invariant();
    phash_sigset_free(s);

    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_KEEP_FLAGGED, 1), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_MIN_QUALITY, 60), PHASH_OK);
    ck_assert_int_eq(load(s, text, "f"), PHASH_OK);
    ck_assert_uint_eq(rep.zero, 2);
    ck_assert_uint_eq(rep.low_quality, 2);
    ck_assert_uint_eq(rep.inserted, 4);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 0, &o), PHASH_OK);
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_ZERO);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 1, 0, &o), PHASH_OK);
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_LOW_QUALITY);
    /* Everything but a zero-only list loaded: zero-only still loads (valid). */
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_MIN_QUALITY, 102),
                     PHASH_ERR_INVALID_ARG);
    phash_sigset_free(s);

    /* pHash signatures pass the same gate (they used to be kept whatever
     * their quality); a record without a quality is not flagged */
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "hash,quality,id\n"
                             "e66993e1ba4110be,49,low\n"
                             "282ed7298cd739a4,50,ok\n"
                             "e3944e2192ef349e,,none\n", "p"), PHASH_OK);
    ck_assert_uint_eq(rep.low_quality, 1);
    ck_assert_uint_eq(rep.inserted, 2);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PHASH), 2);
    check_invariant();
    phash_sigset_free(s);
}
END_TEST

START_TEST(duplicates_across_lists)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "id,hash\nA," H1 "\nA," H1 "\nB," H1 "\n", "one"), PHASH_OK);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_uint_eq(rep.duplicates, 2);
    /* The exact repeat (same list, same id) is not a second owner. */
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PDQ, 0), 2);
    ck_assert_int_eq(load(s, "id,hash\nA," H1 "\nC," H2 "\n", "two"), PHASH_OK);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_uint_eq(rep.duplicates, 1);
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PDQ, 0), 3);
    phash_sigset_owner o;
    const char *want[3][2] = {{"one", "A"}, {"one", "B"}, {"two", "A"}};
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, k, &o), PHASH_OK);
        ck_assert_str_eq(o.list, want[k][0]);
        ck_assert_str_eq(o.id, want[k][1]);
    }
    phash_sigset_free(s);
}
END_TEST

START_TEST(strict_rollback_keeps_previous)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "id,hash\nA," H1 "\n", "one"), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_STRICT, 1), PHASH_OK);
    /* Adds an owner to H1, a new entry H2, then fails on line 4. */
    ck_assert_int_eq(load(s, "id,hash\nB," H1 "\nC," H2 "\nD,zz\n", "two"), PHASH_ERR_BAD_FILE);
    ck_assert_str_eq(phash_sigset_last_error(s),
                     "two:4: expected a PDQ hash (64 hex digits) or a pHash (16 hex digits or a "
                     "decimal number), found \"z\" at character 1 of the hash");
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 1);
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PDQ, 0), 1);
    ck_assert_uint_eq(phash_sigset_list_count(s), 1);
    /* And the set still works: H2 can be added afterwards. */
    ck_assert_int_eq(load(s, "id,hash\nC," H2 "\nB," H1 "\n", "three"), PHASH_OK);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_uint_eq(rep.duplicates, 1);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "three");
    ck_assert_str_eq(o.id, "B");
    phash_sigset_free(s);
}
END_TEST

START_TEST(forced_algo_and_decimal_form)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_U64_FORM, PHASH_U64_UNSIGNED),
                     PHASH_OK);
    ck_assert_int_eq(load(s, "1234567890123456\n", "d"), PHASH_OK);
    ck_assert_uint_eq(phash_sigset_u64_codes(s, PHASH_SIG_PHASH, NULL)[0], 1234567890123456ULL);
    phash_sigset_free(s);
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "1234567890123456\n", "d"), PHASH_OK);
    ck_assert_uint_eq(phash_sigset_u64_codes(s, PHASH_SIG_PHASH, NULL)[0], 0x1234567890123456ULL);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_ALGO, PHASH_SIG_PDQ), PHASH_OK);
    ck_assert_int_eq(load(s, "ffffffffffffffff\n", "x"), PHASH_ERR_BAD_FILE);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_WRONG_ALGO], 1);
    ck_assert_int_eq(phash_sigset_get_option(s, PHASH_SIGSET_OPT_ALGO), PHASH_SIG_PDQ);
    ck_assert_int_eq(phash_sigset_get_option(s, 99), -1);
    ck_assert_int_eq(phash_sigset_set_option(s, 99, 0), PHASH_ERR_INVALID_ARG);
    phash_sigset_free(s);
}
END_TEST

START_TEST(names_and_args)
{
    phash_sig_algo a;
    ck_assert_int_eq(phash_sig_algo_parse("HASH_PDQ", 8, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_SIG_PDQ);
    ck_assert_int_eq(phash_sig_algo_parse("pHash", 5, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_SIG_PHASH);
    ck_assert_int_eq(phash_sig_algo_parse("crc32", 5, &a), PHASH_ERR_NOT_FOUND);
    ck_assert_int_eq(phash_sig_algo_parse("photodna", 8, &a), PHASH_ERR_NOT_FOUND);
    ck_assert_int_eq(phash_sig_algo_parse("MD5", 3, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_SIG_MD5);
    ck_assert_int_eq(phash_sig_algo_parse("SHA-1", 5, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_SIG_SHA1);
    ck_assert_int_eq(phash_sig_algo_parse("sha256", 6, &a), PHASH_OK);
    ck_assert_int_eq(a, PHASH_SIG_SHA256);
    ck_assert_str_eq(phash_sig_algo_name(PHASH_SIG_SHA1), "sha1");
    ck_assert_str_eq(phash_sig_algo_name(PHASH_SIG_PDQ), "pdq");
    ck_assert_str_eq(phash_sig_algo_name(0), "unknown");
    ck_assert_str_eq(phash_sigset_problem_name(PHASH_SIGSET_LINE_TOO_LONG), "line too long");
    phash_sigset_free(NULL);
    ck_assert_int_eq(phash_sigset_load_file(NULL, "x", NULL), PHASH_ERR_INVALID_ARG);
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_file(s, "/nonexistent/list.txt", NULL), PHASH_ERR_IO);
    ck_assert_int_eq(phash_sigset_last_errno(s), ENOENT);
    ck_assert_uint_eq(phash_sigset_size(s, 7), 0);
    ck_assert_ptr_null(phash_sigset_pdq_codes(s, NULL));
    phash_sigset_free(s);
}
END_TEST

/* The file reader (chunked reads, lines across chunk boundaries, long lines
 * skipped without buffering) gives what the memory reader gives. */
START_TEST(file_reader_matches_memory)
{
    char path[] = "/tmp/phash-sigset-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    size_t cap = 4u << 20, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "\xEF\xBB\xBFid,hash,note\r\n");
    for (unsigned i = 0; i < 20000; i++) {
        if (i % 997 == 5) { /* a line longer than the limit */
            len += (size_t)snprintf(text + len, cap - len, "L%u,", i);
            memset(text + len, 'a', 3000);
            len += 3000;
            text[len++] = '\n';
            continue;
        }
        len += (size_t)snprintf(text + len, cap - len, "I%u,%016x%016x%016x%016x,n%u\r\n", i,
                                i * 2654435761u, i, ~i, i ^ 0x5a5a5a5au, i % 7);
    }
    fwrite(text, 1, len, f);
    fclose(f);
    phash_sigset_report r1, r2;
    phash_sigset *a = NULL, *b = NULL;
    ck_assert_int_eq(phash_sigset_new(&a), PHASH_OK);
    ck_assert_int_eq(phash_sigset_new(&b), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(a, PHASH_SIGSET_OPT_MAX_LINE, 1000), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(b, PHASH_SIGSET_OPT_MAX_LINE, 1000), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_file(a, path, &r1), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(b, text, len, path, &r2), PHASH_OK);
    unlink(path);
    ck_assert_int_eq(memcmp(&r1, &r2, sizeof r1), 0);
    ck_assert_uint_eq(r1.lines, 20001);
    ck_assert_uint_eq(r1.by_reason[PHASH_SIGSET_LINE_TOO_LONG], 21);
    ck_assert_uint_eq(r1.inserted, 20000 - 21);
    size_t n1, n2;
    const phash_pdq_code *c1 = phash_sigset_pdq_codes(a, &n1), *c2 = phash_sigset_pdq_codes(b, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(c1, c2, n1 * sizeof *c1), 0);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(a, PHASH_SIG_PDQ, n1 - 1, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "I19999");
    ck_assert_str_eq(o.metadata, "note=n0");
    phash_sigset_free(a);
    phash_sigset_free(b);
    free(text);
}
END_TEST


/* ---- compiled sets and the matcher ---- */

static const char *tmp_path(const char *name)
{
    static char buf[4096];
    const char *root = getenv("PHASH_BUILD_ROOT");
    snprintf(buf, sizeof buf, "%s/%s-%ld", root ? root : "/tmp", name, (long)getpid());
    return buf;
}

static phash_sigset *sample_set(void)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "collab,signal_type,signal_str,category\n"
                             "c1,pdq," H1 ",A1\nc2,pdq," H1 ",B\nc1,pdq," H2 ",A2\n"
                             "c1,phash,ffffffffffffffff,B\nc1,phash,0f0f0f0f0f0f0f0f,\n",
                         "first.csv"), PHASH_OK);
    ck_assert_int_eq(load(s, "{\"pdq\":\"" H2 "\",\"id\":\"J\",\"x\":[1]}\n", "second.jsonl"),
                     PHASH_OK);
    return s;
}

/* Two sets hold the same entries, owners and strings. */
static void assert_same_sets(const phash_sigset *a, const phash_sigset *b)
{
    ck_assert_uint_eq(phash_sigset_list_count(a), phash_sigset_list_count(b));
    for (int al = 1; al <= PHASH_SIG_ALGO_MAX; al++) {
        size_t n = phash_sigset_size(a, al);
        ck_assert_uint_eq(n, phash_sigset_size(b, al));
        for (size_t e = 0; e < n; e++) {
            size_t k = phash_sigset_owner_count(a, al, e);
            ck_assert_uint_eq(k, phash_sigset_owner_count(b, al, e));
            for (size_t j = 0; j < k; j++) {
                phash_sigset_owner x, y;
                ck_assert_int_eq(phash_sigset_owner_get(a, al, e, j, &x), PHASH_OK);
                ck_assert_int_eq(phash_sigset_owner_get(b, al, e, j, &y), PHASH_OK);
                ck_assert_str_eq(x.list, y.list);
                ck_assert_str_eq(x.id, y.id);
                ck_assert_str_eq(x.metadata, y.metadata);
                ck_assert_str_eq(x.category, y.category);
                ck_assert_int_eq(x.quality, y.quality);
                ck_assert_uint_eq(x.line, y.line);
                ck_assert_uint_eq(x.flags, y.flags);
            }
        }
    }
    size_t n;
    const phash_pdq_code *pa = phash_sigset_pdq_codes(a, &n), *pb = phash_sigset_pdq_codes(b, NULL);
    ck_assert_int_eq(memcmp(pa, pb, n * sizeof *pa), 0);
    const uint64_t *ua = phash_sigset_u64_codes(a, PHASH_SIG_PHASH, &n);
    const uint64_t *ub = phash_sigset_u64_codes(b, PHASH_SIG_PHASH, NULL);
    ck_assert_int_eq(memcmp(ua, ub, n * sizeof *ua), 0);
}

START_TEST(compiled_round_trip)
{
    phash_sigset *s = sample_set();
    const char *path = tmp_path("sigset-rt.phx");
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
#ifndef _WIN32 /* Windows: an owner-only DACL, checked in test_platform (private_files) */
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
#endif
    phash_sigset *t = NULL;
    const char *detail = "x";
    ck_assert_int_eq(phash_sigset_open(path, &t, &detail), PHASH_OK);
    ck_assert_ptr_null(detail);
    assert_same_sets(s, t);
    /* A reopened set keeps de-duplicating against what it holds. */
    ck_assert_int_eq(load(t, "hash,id\n" H1 ",Z\n", "third"), PHASH_OK);
    ck_assert_uint_eq(rep.duplicates, 1);
    ck_assert_uint_eq(phash_sigset_owner_count(t, PHASH_SIG_PDQ, 0), 3);
    unlink(path);
    phash_sigset_free(s);
    phash_sigset_free(t);
}
END_TEST

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute a compiled set's section and header checksums (see the format
 * at the top of lib/sigset/compiled.c) so a mutation reaches the checks
 * behind them. */
static void reseal(uint8_t *b, size_t size)
{
    uint32_t n = rd32(b + 12);
    if (n > 64 || 32 + 32 * (size_t)n > size)
        return;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = b + 32 + 32 * i;
        uint64_t off = rd32(e + 8) | (uint64_t)rd32(e + 12) << 32;
        uint64_t len = rd32(e + 16) | (uint64_t)rd32(e + 20) << 32;
        if (off <= size && len <= size - off)
            wr32(e + 24, (uint32_t)crc32(0, b + off, (uInt)len));
    }
    wr32(b + 24, 0);
    wr32(b + 24, (uint32_t)crc32(0, b, (uInt)(32 + 32 * n)));
}

/* Save s as a compiled set at path and read the file back into buf. */
static size_t save_and_read(phash_sigset *s, const char *path, uint8_t *buf, size_t cap)
{
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t size = fread(buf, 1, cap, f);
    fclose(f);
    return size;
}

/* A compiled set whose embedded index is of an older index format (as all
 * were before index format 2) says so when a matcher opens it:
 * PHASH_ERR_VERSION, not a corrupt file. */
START_TEST(compiled_old_index_format)
{
    phash_sigset *s = sample_set();
    const char *path = tmp_path("sigset-oldidx.phx");
    static uint8_t buf[1 << 16];
    size_t size = save_and_read(s, path, buf, sizeof buf);
    unsigned found = 0;
    for (size_t i = 0; i + 256 <= size; i++)
        if (memcmp(buf + i, "PHASHIDX", 8) == 0) {
            wr32(buf + i + 8, 1); /* version 1, header checksum redone */
            uint64_t sum = ph_index_checksum(buf + i, 248);
            memcpy(buf + i + 248, &sum, 8);
            found++;
        }
    ck_assert_uint_ge(found, 1);
    reseal(buf, size);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(buf, 1, size, f), size);
    fclose(f);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(phash_matcher_open(m, path), PHASH_ERR_VERSION);
    ck_assert_ptr_nonnull(strstr(phash_matcher_last_error(m), "compile it again"));
    phash_matcher_free(m);
    unlink(path);
    phash_sigset_free(s);
}
END_TEST

/* Truncation at every length and a flip of every byte are refused cleanly. */
START_TEST(compiled_corrupt_files)
{
    phash_sigset *s = sample_set();
    const char *path = tmp_path("sigset-corrupt.phx");
    static uint8_t good[1 << 16];
    size_t size = save_and_read(s, path, good, sizeof good);
    FILE *f;
    ck_assert_uint_gt(size, 200);
    ck_assert_uint_lt(size, sizeof good);
    char bad_path[4200];
    snprintf(bad_path, sizeof bad_path, "%s.bad", path);
    static uint8_t buf[1 << 16];
    for (size_t cut = 0; cut < size; cut += (cut < 400 ? 1 : 97)) {
        f = fopen(bad_path, "wb");
        fwrite(good, 1, cut, f);
        fclose(f);
        phash_sigset *t = NULL;
        const char *detail = NULL;
        ck_assert_int_eq(phash_sigset_open(bad_path, &t, &detail), PHASH_ERR_BAD_FILE);
        ck_assert_ptr_null(t);
        ck_assert_ptr_nonnull(detail);
    }
    /* Every byte of the header and section table, then a stride through the
     * sections (each is checksummed as a whole). */
    for (size_t i = 0; i < size; i += i < 512 ? 1 : 61) {
        memcpy(buf, good, size);
        buf[i] ^= (uint8_t)(1u << (i % 8));
        f = fopen(bad_path, "wb");
        fwrite(buf, 1, size, f);
        fclose(f);
        phash_sigset *t = NULL;
        phash_status st = phash_sigset_open(bad_path, &t, NULL);
        /* Padding bytes between sections are not covered by a checksum. */
        if (st == PHASH_OK) {
            assert_same_sets(s, t);
            phash_sigset_free(t);
        } else
            ck_assert(st == PHASH_ERR_BAD_FILE || st == PHASH_ERR_VERSION);
    }
    /* Flips with every checksum re-sealed: the structural checks (counts,
     * offsets, owners, the embedded index) must refuse or accept cleanly. */
    for (size_t i = 0; i < size; i += i < 512 ? 3 : 53) {
        memcpy(buf, good, size);
        buf[i] ^= (uint8_t)(1u << (i % 8));
        reseal(buf, size);
        f = fopen(bad_path, "wb");
        fwrite(buf, 1, size, f);
        fclose(f);
        phash_sigset *t = NULL;
        phash_status st = phash_sigset_open(bad_path, &t, NULL);
        ck_assert(st == PHASH_OK || st == PHASH_ERR_BAD_FILE || st == PHASH_ERR_VERSION);
        if (st == PHASH_OK) {
            /* Whatever it holds must be readable. */
            for (int al = 1; al <= PHASH_SIG_ALGO_MAX; al++)
                for (size_t e = 0; e < phash_sigset_size(t, al); e++)
                    for (size_t k = 0; k < phash_sigset_owner_count(t, al, e); k++) {
                        phash_sigset_owner o;
                        ck_assert_int_eq(phash_sigset_owner_get(t, al, e, k, &o), PHASH_OK);
                        ck_assert_uint_lt(strlen(o.id) + strlen(o.metadata) + strlen(o.list),
                                          size);
                    }
            phash_sigset_free(t);
        }
        /* The matcher path also opens the embedded indexes. */
        phash_matcher *m = NULL;
        ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
        st = phash_matcher_open(m, bad_path);
        ck_assert(st == PHASH_OK || st == PHASH_ERR_BAD_FILE || st == PHASH_ERR_VERSION);
        phash_matcher_free(m);
    }
    const char *detail = NULL;
    phash_sigset *t = NULL;
    ck_assert_int_eq(phash_sigset_open("/nonexistent.phx", &t, &detail), PHASH_ERR_IO);
    unlink(bad_path);
    unlink(path);
    phash_sigset_free(s);
}
END_TEST

START_TEST(matcher_queries_and_swap)
{
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    phash_pdq_code q[8];
    ck_assert_int_eq(phash_pdq_from_hex(H2, 64, &q[0], NULL), PHASH_OK);
    /* No set yet: nothing matches. */
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PDQ, q, 1, 31, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 0);

    ck_assert_int_eq(phash_matcher_use(m, sample_set()), PHASH_OK);
    q[0].bytes[0] ^= 0x07; /* 3 bits away from H2 */
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PDQ, q, 1, 31, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 1);
    phash_match mt;
    ck_assert_int_eq(phash_matches_get(r, 0, &mt), PHASH_OK);
    ck_assert_uint_eq(mt.distance, 3);
    ck_assert_uint_eq(mt.entry, 1);
    ck_assert_str_eq(mt.hash, H2);
    ck_assert_uint_eq(mt.owners, 2);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_matches_owner(r, 0, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "second.jsonl");
    ck_assert_str_eq(o.id, "J");
    ck_assert_str_eq(o.metadata, "{\"x\":[1]}");
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PDQ, q, 1, 2, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 0);

    /* Dihedral: the best variant is reported. */
    for (int v = 0; v < 8; v++)
        memset(&q[v], 0x55, sizeof q[v]);
    ck_assert_int_eq(phash_pdq_from_hex(H1, 64, &q[5], NULL), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PDQ, q, 8, 31, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 1);
    ck_assert_int_eq(phash_matches_get(r, 0, &mt), PHASH_OK);
    ck_assert_uint_eq(mt.variant, 5);
    ck_assert_uint_eq(mt.distance, 0);

    /* pHash, sorted by distance then entry. */
    uint64_t u = 0xffffffffffff0f0fULL;
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PHASH, &u, 1, 64, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 2);
    ck_assert_int_eq(phash_matches_get(r, 0, &mt), PHASH_OK);
    ck_assert_uint_eq(mt.distance, 8);
    ck_assert_str_eq(mt.hash, "ffffffffffffffff");
    ck_assert_int_eq(phash_matches_get(r, 1, &mt), PHASH_OK);
    ck_assert_uint_eq(mt.distance, 24);
    ck_assert_int_eq(phash_matches_get(r, 2, &mt), PHASH_ERR_NOT_FOUND);

    /* Replace with a compiled set; a corrupt one leaves it serving. */
    phash_sigset *other = NULL;
    ck_assert_int_eq(phash_sigset_new(&other), PHASH_OK);
    ck_assert_int_eq(load(other, "0000000000000001\n", "other"), PHASH_OK);
    const char *path = tmp_path("sigset-swap.phx");
    ck_assert_int_eq(phash_sigset_save(other, path), PHASH_OK);
    phash_sigset_free(other);
    ck_assert_int_eq(phash_matcher_open(m, path), PHASH_OK);
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_PDQ), 0);
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_PHASH), 1);
    /* The previous results still read the set they came from. */
    ck_assert_int_eq(phash_matches_get(r, 1, &mt), PHASH_OK);
    ck_assert_str_eq(mt.hash, "0f0f0f0f0f0f0f0f");
    ck_assert_int_eq(phash_matches_owner(r, 1, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "first.csv");

    FILE *f = fopen(path, "r+b");
    fseek(f, 100, SEEK_SET);
    fputc(0xEE, f);
    fclose(f);
    ck_assert_int_eq(phash_matcher_open(m, path), PHASH_ERR_BAD_FILE);
    ck_assert_ptr_nonnull(strstr(phash_matcher_last_error(m), "the previous set keeps serving"));
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_PHASH), 1);
    u = 3;
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PHASH, &u, 1, 1, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 1);
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PHASH, &u, 2, 1, r), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_matcher_query(m, 9, &u, 1, 1, r), PHASH_ERR_INVALID_ARG);
    unlink(path);
    phash_matches_free(r);
    phash_matcher_free(m);
}
END_TEST

/* Queries keep running, always on a whole set, while the set is replaced. */
typedef struct swap_ctx {
    phash_matcher *m;
    atomic_int stop;
    int bad;
} swap_ctx;

static void *query_loop(void *arg)
{
    swap_ctx *c = arg;
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    uint64_t u = 0;
    while (!atomic_load(&c->stop)) {
        if (phash_matcher_query(c->m, PHASH_SIG_PHASH, &u, 1, 0, r) != PHASH_OK) {
            c->bad = 1;
            break;
        }
        /* Set A holds 0 once ("A"); set B holds 0 twice over two lists. */
        size_t n = phash_matches_count(r);
        phash_match mt;
        if (n != 1 || phash_matches_get(r, 0, &mt) != PHASH_OK ||
            (mt.owners != 1 && mt.owners != 2))
            c->bad = 1;
    }
    phash_matches_free(r);
    return NULL;
}

START_TEST(matcher_swap_under_queries)
{
    swap_ctx c = {0};
    ck_assert_int_eq(phash_matcher_new(&c.m), PHASH_OK);
    phash_sigset *a = NULL;
    ck_assert_int_eq(phash_sigset_new(&a), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(a, PHASH_SIGSET_OPT_KEEP_FLAGGED, 1), PHASH_OK);
    ck_assert_int_eq(load(a, "0000000000000000\n", "A"), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(c.m, a), PHASH_OK);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, query_loop, &c);
    for (int round = 0; round < 200; round++) {
        phash_sigset *b = NULL;
        ck_assert_int_eq(phash_sigset_new(&b), PHASH_OK);
        ck_assert_int_eq(phash_sigset_set_option(b, PHASH_SIGSET_OPT_KEEP_FLAGGED, 1), PHASH_OK);
        ck_assert_int_eq(load(b, "0000000000000000\n", "B1"), PHASH_OK);
        if (round % 2)
            ck_assert_int_eq(load(b, "0000000000000000\n", "B2"), PHASH_OK);
        ck_assert_int_eq(phash_matcher_use(c.m, b), PHASH_OK);
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(c.bad, 0);
    phash_matcher_free(c.m);
}
END_TEST

static Suite *sigset_suite(void)
{
    Suite *s = suite_create("sigset");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, error_bad_length);
    tcase_add_test(tc, error_bad_character);
    tcase_add_test(tc, error_out_of_range);
    tcase_add_test(tc, error_missing_hash);
    tcase_add_test(tc, error_unknown_algo);
    tcase_add_test(tc, error_bad_syntax);
    tcase_add_test(tc, error_line_too_long);
    tcase_add_test(tc, error_bad_quality);
    tcase_add_test(tc, error_wrong_algo);
    tcase_add_test(tc, header_without_hash_column);
    tcase_add_test(tc, only_bad_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("formats");
    tcase_add_test(tc, plain_forms_bom_crlf);
    tcase_add_test(tc, not_a_list_is_refused);
    tcase_add_test(tc, threatexchange_csv_export);
    tcase_add_test(tc, tsv_and_semicolon_multi_algo);
    tcase_add_test(tc, json_lines);
    tcase_add_test(tc, file_reader_matches_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("set");
    tcase_add_test(tc, flags_zero_and_low_quality);
    tcase_add_test(tc, duplicates_across_lists);
    tcase_add_test(tc, strict_rollback_keeps_previous);
    tcase_add_test(tc, forced_algo_and_decimal_form);
    tcase_add_test(tc, names_and_args);
    suite_add_tcase(s, tc);
    tc = tcase_create("compiled");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, compiled_round_trip);
    tcase_add_test(tc, compiled_corrupt_files);
    tcase_add_test(tc, compiled_old_index_format);
    tcase_add_test(tc, matcher_queries_and_swap);
    tcase_add_test(tc, matcher_swap_under_queries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(sigset_suite());
}
