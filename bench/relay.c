/* A plain TCP relay in C for bench/tun.sh's "relay" phase: what a user-space relay costs on this machine with
 * no TUN and no Java, copying either through a user buffer (read/write) or through a pipe (splice(2)), so the
 * two can be compared with each other and with Turnout.
 *   relay PORT HOST HOSTPORT copy|splice [SOCKSHOST SOCKSPORT]
 *       accept on 127.0.0.1:PORT, connect to HOST:HOSTPORT, two threads per connection (one per direction), a FIN
 *       passed on as shutdown(SHUT_WR); with SOCKSHOST and SOCKSPORT, reach HOST:HOSTPORT through that SOCKS5
 *       server (no authentication, an IPv4 CONNECT, greeting and request each awaiting its answer, as Turnout's
 *       SOCKS5 plugin does): the least a TUN -> SOCKS5 path could cost besides its TUN
 * Runs until killed (bench/tun.sh kills it with its namespace). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static int use_splice;
static struct sockaddr_in target;
static struct sockaddr_in socks; /* sin_family 0: no SOCKS5 server */

struct direction {
    int from, to;
};

static int write_all(int fd, const char *b, ssize_t n) {
    while (n > 0) {
        ssize_t m = write(fd, b, n);
        if (m <= 0) return -1;
        b += m;
        n -= m;
    }
    return 0;
}

/* splice needs a pipe between two sockets: socket -> pipe -> socket, with no copy to user space. */
static int splice_all(int pipe_in, int to, ssize_t n) {
    while (n > 0) {
        ssize_t m = splice(pipe_in, NULL, to, NULL, n, SPLICE_F_MOVE);
        if (m <= 0) return -1;
        n -= m;
    }
    return 0;
}

static void *pump(void *arg) {
    struct direction *d = arg;
    char *buf = use_splice ? NULL : malloc(CHUNK);
    int p[2] = {-1, -1};
    if (use_splice) {
        if (pipe2(p, 0) != 0) return NULL;
        fcntl(p[1], F_SETPIPE_SZ, CHUNK);
    }
    for (;;) {
        ssize_t n = use_splice ? splice(d->from, NULL, p[1], NULL, CHUNK, SPLICE_F_MOVE) : read(d->from, buf, CHUNK);
        if (n <= 0) break;
        if ((use_splice ? splice_all(p[0], d->to, n) : write_all(d->to, buf, n)) != 0) break;
    }
    shutdown(d->to, SHUT_WR);
    free(buf);
    if (p[0] >= 0) {
        close(p[0]);
        close(p[1]);
    }
    return NULL;
}

static int read_full(int fd, unsigned char *b, ssize_t n) {
    while (n > 0) {
        ssize_t m = read(fd, b, n);
        if (m <= 0) return -1;
        b += m;
        n -= m;
    }
    return 0;
}

/* Connects b to the target, through the SOCKS5 server when there is one; 0 when the target is reached. */
static int reach(int b) {
    if (!socks.sin_family) return connect(b, (struct sockaddr *) &target, sizeof target);
    unsigned char hello[3] = {5, 1, 0}, req[10] = {5, 1, 0, 1}, ans[32];
    memcpy(req + 4, &target.sin_addr, 4);
    memcpy(req + 8, &target.sin_port, 2);
    if (connect(b, (struct sockaddr *) &socks, sizeof socks) != 0) return -1;
    if (write_all(b, (char *) hello, 3) != 0 || read_full(b, ans, 2) != 0 || ans[0] != 5 || ans[1] != 0) return -1;
    if (write_all(b, (char *) req, 10) != 0 || read_full(b, ans, 4) != 0 || ans[0] != 5 || ans[1] != 0) return -1;
    /* The bound address: IPv4 (4 bytes) or IPv6 (16), then the port. */
    if (ans[3] != 1 && ans[3] != 4) return -1;
    return read_full(b, ans, ans[3] == 4 ? 18 : 6);
}

static void *connection(void *arg) {
    int a = (int) (long) arg, b = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (reach(b) == 0) {
        struct direction up = {a, b}, down = {b, a};
        pthread_t t;
        if (pthread_create(&t, NULL, pump, &up) == 0) {
            pump(&down);
            pthread_join(t, NULL);
        }
    }
    close(a);
    close(b);
    return NULL;
}

int main(int argc, char **argv) {
    if ((argc != 5 && argc != 7) || (strcmp(argv[4], "copy") != 0 && strcmp(argv[4], "splice") != 0)) {
        fprintf(stderr, "usage: relay PORT HOST HOSTPORT copy|splice [SOCKSHOST SOCKSPORT]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a peer gone mid-copy ends its connection, not the relay */
    use_splice = strcmp(argv[4], "splice") == 0;
    struct sockaddr_in l;
    memset(&l, 0, sizeof l);
    memset(&target, 0, sizeof target);
    l.sin_family = AF_INET;
    l.sin_port = htons(atoi(argv[1]));
    l.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_family = AF_INET;
    target.sin_port = htons(atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", argv[2]);
        return 2;
    }
    if (argc == 7) {
        socks.sin_family = AF_INET;
        socks.sin_port = htons(atoi(argv[6]));
        if (inet_pton(AF_INET, argv[5], &socks.sin_addr) != 1) {
            fprintf(stderr, "not an IPv4 address: %s\n", argv[5]);
            return 2;
        }
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *) &l, sizeof l) != 0 || listen(ls, 64) != 0) {
        perror("relay listen");
        return 1;
    }
    for (;;) {
        int a = accept(ls, NULL, NULL);
        if (a < 0) continue;
        pthread_t t;
        if (pthread_create(&t, NULL, connection, (void *) (long) a) == 0) pthread_detach(t);
        else close(a);
    }
}
