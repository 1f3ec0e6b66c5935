/* Connection-setup peer for bench/tun.sh, in C so that neither end of the measurement is the slow part.
 *   setup serve PORT                 accept, read one request, answer, close; two threads
 *   setup client HOST PORT COUNT SECS sequential connect + GET + read-to-EOF + close; prints the rate
 *   setup client HOST PORT COUNT SECS NAME NAMEPORT  the same through the SOCKS5 proxy at HOST:PORT (no auth), each
 *                                    connection a CONNECT to NAME:NAMEPORT, sent as a name (bench/ss.sh), or as an
 *                                    address when NAME is an IPv4 literal (bench/peers.sh)
 *   setup relay PORT HOST HOSTPORT [SOCKSHOST SOCKSPORT]
 *                                    the least a user-space TCP relay can do: accept on 127.0.0.1:PORT, connect
 *                                    to HOST:HOSTPORT, copy both ways with half-close, one connection at a time
 *                                    (enough for the sequential client). A floor for any proxy's setup cost. With
 *                                    SOCKSHOST SOCKSPORT, each connection reaches HOST:HOSTPORT through that SOCKS5
 *                                    server (greeting and CONNECT each awaiting its answer, as Turnout's plugin
 *                                    does): the floor of a TUN -> SOCKS5 path's, less its TUN (bench/peers.sh).
 * Bounded: the client stops after COUNT connections or SECS seconds, whichever comes first. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
static int listener;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *serve(void *unused) {
    char buf[4096];
    (void) unused;
    for (;;) {
        int c = accept(listener, NULL, NULL);
        if (c < 0) continue;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct timeval tv = {5, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        size_t seen = 0;
        int state = 0;
        while (state < 4 && seen < sizeof buf * 16) {
            ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0) break;
            for (ssize_t i = 0; i < n && state < 4; i++)
                state = (buf[i] == '\r' && state % 2 == 0) ? state + 1 : (buf[i] == '\n' && state % 2 == 1) ? state + 1 : 0;
            seen += n;
        }
        if (state == 4) (void) !write(c, RESPONSE, sizeof RESPONSE - 1);
        close(c);
    }
    return NULL;
}

/* SOCKS5 without authentication, then CONNECT to name:port: an IPv4 literal as an address (ATYP 1, as a TUN proxy
 * sends a flow's destination), anything else by name (ATYP 3); 0 once the proxy says it succeeded. */
static int socks_connect(int s, const char *name, int port) {
    unsigned char m[300];
    size_t n = strlen(name), len;
    struct in_addr a4;
    if (n > 255) return -1;
    m[0] = 5; m[1] = 1; m[2] = 0;
    if (write(s, m, 3) != 3 || read(s, m, 2) != 2 || m[0] != 5 || m[1] != 0) return -1;
    m[0] = 5; m[1] = 1; m[2] = 0;
    if (inet_pton(AF_INET, name, &a4) == 1) {
        m[3] = 1; memcpy(m + 4, &a4, 4); len = 8;
    } else {
        m[3] = 3; m[4] = (unsigned char) n; memcpy(m + 5, name, n); len = 5 + n;
    }
    m[len] = (unsigned char) (port >> 8); m[len + 1] = (unsigned char) port;
    if (write(s, m, len + 2) != (ssize_t) (len + 2)) return -1;
    /* The reply: VER REP RSV ATYP, then an address whose length ATYP gives, then the port. */
    size_t want = 5, got = 0;
    while (got < want) {
        ssize_t r = read(s, m + got, want - got);
        if (r <= 0) return -1;
        got += r;
        if (got >= 5 && want == 5) want = m[3] == 1 ? 10 : m[3] == 4 ? 22 : m[3] == 3 ? 7 + (size_t) m[4] : 0;
        if (want == 0) return -1;
    }
    return m[1] == 0 ? 0 : -1;
}

static int client(const char *host, int port, long count, int secs, const char *name, int namePort) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET; v4->sin_port = htons(port); len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6; v6->sin6_port = htons(port); len = sizeof *v6;
    } else {
        fprintf(stderr, "not an address: %s\n", host);
        return 2;
    }
    char request[256];
    /* SETUP_HOST_HEADER: the Host a direct client sends (a name for bench/tun.sh's sniffer runs). */
    const char *header = getenv("SETUP_HOST_HEADER");
    int rlen = snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
                        name ? name : header ? header : host);
    char buf[4096];
    long ok = 0, failed = 0;
    double start = now(), deadline = start + secs;
    for (long i = 0; i < count && now() < deadline; i++) {
        int s = socket(ss.ss_family, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct timeval tv = {5, 0};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        size_t got = 0;
        if (connect(s, (struct sockaddr *) &ss, len) == 0 && (!name || socks_connect(s, name, namePort) == 0)
                && write(s, request, rlen) == rlen) {
            ssize_t n;
            while ((n = read(s, buf, sizeof buf)) > 0) got += n;
        }
        close(s);
        if (got >= sizeof RESPONSE - 1) ok++; else failed++;
    }
    double t = now() - start;
    printf("connections/s %.0f ok %ld failed %ld in %.2fs\n", ok / t, ok, failed, t);
    return 0;
}

static int relay(int port, const char *host, int hostPort, const char *socksHost, int socksPort) {
    struct sockaddr_in l, t;
    memset(&l, 0, sizeof l);
    memset(&t, 0, sizeof t);
    l.sin_family = AF_INET;
    l.sin_port = htons(port);
    l.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    t.sin_family = AF_INET;
    t.sin_port = htons(socksHost ? socksPort : hostPort);
    if (inet_pton(AF_INET, socksHost ? socksHost : host, &t.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", socksHost ? socksHost : host);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-copy ends its connection, not the relay */
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *) &l, sizeof l) != 0 || listen(ls, 1024) != 0) {
        perror("relay listen");
        return 1;
    }
    char buf[65536];
    for (;;) {
        int a = accept(ls, NULL, NULL);
        if (a < 0) continue;
        int b = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(b, (struct sockaddr *) &t, sizeof t) == 0 && (!socksHost || socks_connect(b, host, hostPort) == 0)) {
            struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
            int open = 2;
            /* Bounded: a side silent for 5 s ends the connection. */
            while (open > 0 && poll(p, 2, 5000) > 0) {
                for (int i = 0; i < 2; i++) {
                    if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                    ssize_t n = read(p[i].fd, buf, sizeof buf);
                    int to = i == 0 ? b : a;
                    if (n > 0) {
                        if (write(to, buf, n) != n) open = 0;
                    } else {
                        shutdown(to, SHUT_WR);
                        p[i].fd = -1;
                        open--;
                    }
                }
            }
        }
        close(b);
        close(a);
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) {
        struct sockaddr_in6 a;
        memset(&a, 0, sizeof a);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(atoi(argv[2]));
        a.sin6_addr = in6addr_any;
        listener = socket(AF_INET6, SOCK_STREAM, 0);
        int one = 1, zero = 0;
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (bind(listener, (struct sockaddr *) &a, sizeof a) != 0 || listen(listener, 1024) != 0) {
            perror("listen");
            return 1;
        }
        pthread_t t;
        pthread_create(&t, NULL, serve, NULL);
        serve(NULL);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "relay") == 0)
        return relay(atoi(argv[2]), argv[3], atoi(argv[4]), NULL, 0);
    if (argc == 7 && strcmp(argv[1], "relay") == 0)
        return relay(atoi(argv[2]), argv[3], atoi(argv[4]), argv[5], atoi(argv[6]));
    if (argc == 6 && strcmp(argv[1], "client") == 0)
        return client(argv[2], atoi(argv[3]), atol(argv[4]), atoi(argv[5]), NULL, 0);
    if (argc == 8 && strcmp(argv[1], "client") == 0)
        return client(argv[2], atoi(argv[3]), atol(argv[4]), atoi(argv[5]), argv[6], atoi(argv[7]));
    fprintf(stderr, "usage: setup serve PORT | setup client HOST PORT COUNT SECONDS [NAME NAMEPORT] | setup relay PORT HOST HOSTPORT [SOCKSHOST SOCKSPORT]\n");
    return 2;
}
