package dev.turnout.api;

import java.util.Map;

/**
 * A gRPC transport under an outbound's protocol ({@code network: grpc}), from Clash's {@code grpc-opts}: V2Ray's
 * "gun" tunnel, one bidirectional call to {@code /<service name>/Tun} over HTTP/2 and TLS. Plain data; the host
 * opens the call ({@link OutboundContext#grpc}).
 *
 * @param serviceName the service part of the call's path; V2Ray and Xray servers default to {@code GunService}
 */
public record GrpcOptions(String serviceName) {

    public static final String DEFAULT_SERVICE_NAME = "GunService";

    public GrpcOptions {
        if (serviceName == null || serviceName.isEmpty()) {
            throw new IllegalArgumentException("a gRPC transport needs a service name");
        }
    }

    /** The call's {@code :path}, the service name as written (mihomo does not escape it either). */
    public String path() {
        return "/" + serviceName + "/Tun";
    }

    /** Reads {@code grpc-opts: {grpc-service-name}} from an entry; a missing block or name means GunService. */
    public static GrpcOptions from(OutboundOptions options) throws OptionException {
        Map<String, Object> grpc = options.map("grpc-opts");
        Object name = grpc.get("grpc-service-name");
        if (name == null || (name instanceof String s && s.isEmpty())) {
            return new GrpcOptions(DEFAULT_SERVICE_NAME);
        }
        if (!(name instanceof String s) || s.isBlank() || s.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            throw new OptionException("grpc-opts", "'grpc-opts.grpc-service-name' must be a name without spaces,"
                    + " got " + name);
        }
        return new GrpcOptions(s);
    }
}
