#include "cmfv/siphash.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t cmfv_siphash24(const unsigned char key[16], const void *p, size_t n)
{
	const unsigned char *in = p;
	uint64_t k0 = le64(key), k1 = le64(key + 8), last;
	struct sip s = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
	size_t i, rest = n & 7;

	for (i = 0; i + 8 <= n; i += 8)
		sip_word(&s, le64(in + i));
	last = (uint64_t)(n & 0xff) << 56;
	while (rest--)
		last |= (uint64_t)in[i + rest] << (8 * rest);
	sip_word(&s, last);
	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

static unsigned char process_key[16];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* Draw the key once. Should both generators fail, the clock, the process
 * id and an address (ASLR) still keep it from being known in advance. */
static void draw_key(void)
{
	struct timespec ts;
	uint64_t mix[2];

#ifdef __linux__
	if (getrandom(process_key, sizeof(process_key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(process_key))
		return;
#endif
	if (RAND_bytes(process_key, (int)sizeof(process_key)) == 1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mix[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)getpid();
	mix[1] = (uint64_t)(uintptr_t)&ts ^ (uint64_t)(uintptr_t)&draw_key;
	memcpy(process_key, mix, sizeof(process_key));
}

uint64_t cmfv_strhash(const char *s, size_t n)
{
	pthread_once(&key_once, draw_key);
	return cmfv_siphash24(process_key, s, n);
}
