package dev.turnout.rules;

import java.util.Set;

/**
 * One entry of a geosite.dat list (v2ray's {@code routercommon.Domain}).
 *
 * @param attributes the entry's attribute keys in lower case ({@code cn}, {@code ads}), for {@code GEOSITE,x@cn}
 */
public record GeoSiteDomain(Type type, String value, Set<String> attributes) {

    /** v2ray's {@code Domain.Type}, with its wire numbers. */
    public enum Type {
        /** 0: the value is a keyword found anywhere in the domain. */
        PLAIN,
        /** 1: an RE2 regular expression found anywhere in the domain. */
        REGEX,
        /** 2: the domain and every domain below it. */
        ROOT_DOMAIN,
        /** 3: the domain only. */
        FULL
    }
}
