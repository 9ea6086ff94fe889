/* httpd-tls - the TLS context: TLS 1.2+, given or self-signed certificate */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "file.h"
#include "httpd.h"
#include "log.h"
#include "xmalloc.h"

#define TLS_SELF_DAYS	3650
#define TLS_CERT_FILE	"tls.crt"
#define TLS_KEY_FILE	"tls.key"

/* The ex_data slot whose free callback counts connections down. */
static int conn_idx = -1;

static int
ssl_err(struct err *err, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return err_set(err, "%s: %s", what, e != 0 ? buf : "unknown error");
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/* A self-signed certificate for localhost, 127.0.0.1 and this host. */
static X509 *
make_cert(EVP_PKEY *key, struct err *err)
{
	char host[256], san[600];
	unsigned char serial[16];
	X509_NAME *name;
	X509 *x = X509_new();
	BIGNUM *bn;

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0' ||
	    strchr(host, ',') != NULL)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1,DNS:%s",
	    host);
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * TLS_SELF_DAYS);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"m3u8nas", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)host, -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (add_ext(x, NID_subject_alt_name, san) != 0 ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") != 0 ||
	    X509_sign(x, key, EVP_sha256()) == 0) {
		X509_free(x);
		return ssl_err(err, "cannot make the self-signed certificate"),
		    NULL;
	}
	return x;
}

/* Writes a PEM file: 0600 (a private key), FILE_SYNC (made once, kept). */
static int
write_pem(const char *dir, const char *file, EVP_PKEY *key, X509 *x,
    struct err *err)
{
	char *dst = xasprintf("%s/%s", dir, file), *data;
	BIO *bio = BIO_new(BIO_s_mem());
	long len;
	int rc = -1, ok;

	if (bio == NULL)
		fatalx("out of memory writing %s", dst);
	ok = key != NULL ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL) : PEM_write_bio_X509(bio, x);
	if (!ok || (len = BIO_get_mem_data(bio, &data)) <= 0) {
		err_set(err, "cannot encode %s", dst);
		goto out;
	}
	rc = file_write_atomic(AT_FDCWD, dst, data, (size_t)len, 0600,
	    FILE_SYNC, err);
	OPENSSL_cleanse(data, (size_t)len);
out:
	BIO_free(bio);
	free(dst);
	return rc;
}

/* Makes state/tls.key + tls.crt (EC P-256) unless both exist. */
static int
ensure_self_signed(const char *state, char **cert, char **key,
    struct err *err)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int rc = -1;

	*cert = xasprintf("%s/%s", state, TLS_CERT_FILE);
	*key = xasprintf("%s/%s", state, TLS_KEY_FILE);
	if (access(*cert, R_OK) == 0 && access(*key, R_OK) == 0)
		return 0;
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return ssl_err(err, "cannot make a key");
	if ((x = make_cert(pk, err)) == NULL)
		goto out;
	if (write_pem(state, TLS_KEY_FILE, pk, NULL, err) != 0 ||
	    write_pem(state, TLS_CERT_FILE, NULL, x, err) != 0)
		goto out;
	log_event(LOG_INFO, "tls-generated", NULL,
	    "made a self-signed certificate %s", *cert);
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

/* Logs the SHA-256 fingerprint people compare when they trust the cert. */
static void
log_fingerprint(SSL_CTX *ctx, const char *path)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n, i;
	char hex[3 * EVP_MAX_MD_SIZE + 1];
	X509 *x = SSL_CTX_get0_certificate(ctx);

	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (i = 0; i < n; i++)
		snprintf(hex + 3 * i, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
	log_event(LOG_INFO, "tls-fingerprint", NULL, "%s SHA-256 %s", path, hex);
}

static void
conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	if (ptr != NULL)
		httpd_conn_free(ptr);
}

SSL_CTX *
httpd_tls_new(const struct conf *c, const char *state_dir, struct err *err)
{
	SSL_CTX *ctx;
	char *cert = NULL, *key = NULL;

	if (conn_idx < 0)
		conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    conn_free_cb);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_err(err, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (c->http.tls_cert[0] != '\0' || c->http.tls_key[0] != '\0') {
		cert = xstrdup(c->http.tls_cert);
		key = xstrdup(c->http.tls_key[0] != '\0' ? c->http.tls_key :
		    c->http.tls_cert);
	} else if (ensure_self_signed(state_dir, &cert, &key, err) != 0)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_err(err, cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, key);
		goto fail;
	}
	log_fingerprint(ctx, cert);
	free(cert);
	free(key);
	return ctx;
fail:
	free(cert);
	free(key);
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * SIGHUP: a new context from the same files (certbot renewed them). Only
 * new connections use it: each SSL holds a reference to the context it
 * was made from, so open ones keep their pair until they close. A pair
 * that does not load (missing, unreadable, key not matching) is refused
 * and the old context stays.
 */
int
httpd_tls_reload(struct httpd *h, struct err *err)
{
	SSL_CTX *ctx;

	if ((ctx = httpd_tls_new(&h->conf, h->state, err)) == NULL)
		return -1;
	SSL_CTX_free(h->ssl);
	h->ssl = ctx;
	return 0;
}

/*
 * evhttp's bevcb: one SSL per connection. The SSL carries the connection's
 * gate (httpd-conn.c) in an ex_data slot so that SSL_free (when evhttp
 * frees the connection) frees it and counts it down; at max_connections
 * the listener pauses.
 */
struct bufferevent *
httpd_tls_bev(struct event_base *base, void *arg)
{
	struct httpd *h = arg;
	struct bufferevent *bev;
	struct httpd_conn *c;
	SSL *ssl = SSL_new(h->ssl);

	if (ssl == NULL)
		return NULL;
	c = httpd_conn_new(h);		/* counts it */
	SSL_set_ex_data(ssl, conn_idx, c);
	if (!h->paused && h->nconn >= h->conf.http.max_connections) {
		evconnlistener_disable(evhttp_bound_socket_get_listener(h->bound));
		h->paused = true;
		log_event(LOG_WARN, "paused", NULL,
		    "max_connections (%d) reached", h->nconn);
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	httpd_conn_attach(c, bev);
	return bev;
}
