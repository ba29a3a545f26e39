package io.stellarchat.engine.sampling;

import static io.stellarchat.engine.sampling.GrammarTesting.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Per supported keyword: documents the schema accepts must be matched by the automaton (fed byte by byte),
 * documents it rejects must not be. Valid documents are written in the shape the grammar generates
 * (declared property order, bounded whitespace); the invalid ones break exactly the keyword under test.
 */
class JsonSchemaConformanceTest {

    record Case(String keyword, String schema, List<String> valid, List<String> invalid) {
        @Override
        public String toString() {
            return keyword;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("type string", "{\"type\":\"string\"}",
                        List.of("\"\"", "\"héllo \\\"w\\\" \\u00e9\"", "\"🌍\""),
                        List.of("1", "\"a", "\"\\ud800\"", "\"tab\there\"", "null")),
                new Case("type integer", "{\"type\":\"integer\"}",
                        List.of("0", "-12", "1234567890123456"),
                        List.of("01", "1.5", "-", "\"1\"", "12345678901234567")),
                new Case("type number", "{\"type\":\"number\"}",
                        List.of("0", "-1.25", "3e10", "2.5E-3"),
                        List.of("1.", ".5", "+1", "1e")),
                new Case("type boolean/null", "{\"type\":[\"boolean\",\"null\"]}",
                        List.of("true", "false", "null"),
                        List.of("\"true\"", "0", "nul")),
                new Case("type array of types", "{\"type\":[\"string\",\"integer\"]}",
                        List.of("\"a\"", "7"),
                        List.of("1.5", "true")),
                new Case("properties required order", """
                        {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},
                         "required":["a"]}""",
                        List.of("{\"a\": 1}", "{\"a\":1,\"b\":\"x\"}", "{\n  \"a\": 1,\n  \"b\": \"x\"\n}"),
                        List.of("{}", "{\"b\": \"x\"}", "{\"a\": \"1\"}", "{\"a\": 1,}", "{\"a\": 1, \"c\": 2}")),
                new Case("optional only", """
                        {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}}}""",
                        List.of("{}", "{\"a\": 1}", "{\"b\": 2}", "{\"a\": 1, \"b\": 2}"),
                        List.of("{,\"b\": 2}", "{\"a\": 1 \"b\": 2}")),
                new Case("additionalProperties schema", """
                        {"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],
                         "additionalProperties":{"type":"string"}}""",
                        List.of("{\"id\": 1}", "{\"id\": 1, \"name\": \"x\", \"i\": \"y\", \"idx\": \"z\"}"),
                        List.of("{\"id\": 1, \"name\": 2}", "{\"id\": 1, \"id\": \"x\"}")),
                new Case("additionalProperties true", """
                        {"type":"object","additionalProperties":true}""",
                        List.of("{}", "{\"k\": [1, {\"x\": null}]}"),
                        List.of("{\"k\"}")),
                new Case("object without properties", "{\"type\":\"object\"}",
                        List.of("{}", "{\"any\": [1, \"thing\"]}"),
                        List.of("[]", "{\"a\"}")),
                new Case("enum", "{\"enum\":[\"red\",\"green\",3,null,{\"a\":1}]}",
                        List.of("\"red\"", "\"green\"", "3", "null", "{\"a\":1}"),
                        List.of("\"blue\"", "\"re\"", "4")),
                new Case("const", "{\"const\":\"x\\\"y\"}",
                        List.of("\"x\\\"y\""),
                        List.of("\"xy\"")),
                new Case("items minItems maxItems", """
                        {"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}""",
                        List.of("[1]", "[1, 2, 3]", "[\n  1,\n  2\n]"),
                        List.of("[]", "[1, 2, 3, 4]", "[1, \"2\"]", "[1,]")),
                new Case("prefixItems", """
                        {"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}""",
                        List.of("[]", "[\"a\"]", "[\"a\", 1]"),
                        List.of("[1]", "[\"a\", 1, 2]", "[\"a\", \"b\"]")),
                new Case("anyOf", "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\",\"maxLength\":2}]}",
                        List.of("5", "\"ab\""),
                        List.of("\"abc\"", "true")),
                new Case("oneOf", "{\"oneOf\":[{\"const\":1},{\"const\":\"one\"}]}",
                        List.of("1", "\"one\""),
                        List.of("2")),
                new Case("allOf of objects", """
                        {"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},
                                  {"properties":{"b":{"type":"boolean"}},"required":["b"]}]}""",
                        List.of("{\"a\": 1, \"b\": true}"),
                        List.of("{\"a\": 1}", "{\"b\": true}")),
                new Case("$ref $defs recursion", """
                        {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
                           "next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"]}},
                         "$ref":"#/$defs/node"}""",
                        List.of("{\"v\": 1, \"next\": null}", "{\"v\": 1, \"next\": {\"v\": 2, \"next\": null}}"),
                        List.of("{\"v\": 1}", "{\"v\": 1, \"next\": {\"v\": 2}}")),
                new Case("minLength maxLength", "{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}",
                        List.of("\"ab\"", "\"abc\"", "\"é€\"", "\"\\n\\t\""),
                        List.of("\"a\"", "\"abcd\"")),
                new Case("pattern anchored", "{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}-\\\\d{3}$\"}",
                        List.of("\"AB-123\""),
                        List.of("\"AB-12\"", "\"ab-123\"", "\"xAB-123\"")),
                new Case("pattern unanchored", "{\"type\":\"string\",\"pattern\":\"(cat|dog)s?\"}",
                        List.of("\"cat\"", "\"hot dogs here\""),
                        List.of("\"cow\"")),
                new Case("format date", "{\"type\":\"string\",\"format\":\"date\"}",
                        List.of("\"2024-01-31\"", "\"1999-02-28\"", "\"2024-04-30\""),
                        List.of("\"2024-13-01\"", "\"2024-02-30\"", "\"2024-04-31\"", "\"24-01-01\"")),
                new Case("format date-time", "{\"type\":\"string\",\"format\":\"date-time\"}",
                        List.of("\"2024-01-31T23:59:59Z\"", "\"2024-01-31T00:00:00.123+02:00\""),
                        List.of("\"2024-01-31 23:59:59Z\"", "\"2024-01-31T24:00:00Z\"", "\"2024-01-31T10:00:00\"")),
                new Case("format uuid", "{\"type\":\"string\",\"format\":\"uuid\"}",
                        List.of("\"123e4567-e89b-12d3-a456-426614174000\""),
                        List.of("\"123e4567e89b12d3a456426614174000\"", "\"123e4567-e89b-12d3-a456-42661417400g\"")),
                new Case("format email", "{\"type\":\"string\",\"format\":\"email\"}",
                        List.of("\"john.doe@example.com\"", "\"a+b@mail.example.org\""),
                        List.of("\"john@\"", "\"@example.com\"", "\"john..doe@example.com\"", "\"a@b\"")),
                new Case("integer minimum 0", "{\"type\":\"integer\",\"minimum\":0}",
                        List.of("0", "7", "1234"),
                        List.of("-1", "-0")),
                new Case("integer range", "{\"type\":\"integer\",\"minimum\":-15,\"maximum\":120}",
                        List.of("-15", "-9", "0", "99", "100", "120"),
                        List.of("-16", "121", "200", "1000")),
                new Case("integer exclusive bounds", "{\"type\":\"integer\",\"exclusiveMinimum\":9,\"exclusiveMaximum\":1000}",
                        List.of("10", "999", "500"),
                        List.of("9", "1000", "5")),
                new Case("number minimum 0 maximum 10", "{\"type\":\"number\",\"minimum\":0,\"maximum\":10}",
                        List.of("0", "9.99", "10", "3"),
                        List.of("-1", "10.5", "11", "1e3")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void automatonAcceptsValidAndRejectsInvalidDocuments(Case c) {
        Grammar g = Grammar.jsonSchema(c.schema(), true);
        for (String doc : c.valid()) {
            assertTrue(matches(g, doc), c.keyword() + ": should accept " + doc);
        }
        for (String doc : c.invalid()) {
            assertFalse(matches(g, doc), c.keyword() + ": should reject " + doc);
        }
    }

    @Test
    void jsonObjectAcceptsObjectsOnly() {
        Grammar g = Grammar.jsonObject();
        assertTrue(matches(g, "{\"a\": [1, {\"b\": null}], \"c\": \"d\"}"));
        assertTrue(matches(g, "{}"));
        assertFalse(matches(g, "[1]"));
        assertFalse(matches(g, " {}"));
    }

    @Test
    void whitespaceBetweenTokensIsBounded() {
        Grammar g = Grammar.jsonObject();
        assertTrue(matches(g, "{\n" + " ".repeat(JsonRules.MAX_INDENT) + "\"a\": 1}"));
        assertFalse(matches(g, "{\n" + " ".repeat(JsonRules.MAX_INDENT + 1) + "\"a\": 1}"));
        assertFalse(matches(g, "{  \"a\": 1}"), "one space at most");
        assertFalse(matches(g, "{\n\n\"a\": 1}"), "one newline at most");
    }

    @Test
    void unsupportedKeywordIsRefusedWithItsPointerWhenStrict() {
        String schema = """
                {"type":"object","properties":{"age":{"type":"integer","multipleOf":5}}}""";
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.jsonSchema(schema, true));
        assertEquals("unsupported JSON Schema keyword 'multipleOf' at /properties/age/multipleOf", e.getMessage());
        Grammar lax = Grammar.jsonSchema(schema, false);
        assertEquals(List.of("multipleOf at /properties/age/multipleOf"), lax.ignoredKeywords());
        assertTrue(matches(lax, "{\"age\": 7}"));
    }

    @Test
    void inexpressibleValueOfASupportedKeywordIsNamed() {
        GrammarException e = assertThrows(GrammarException.class,
                () -> Grammar.jsonSchema("{\"type\":\"number\",\"minimum\":0.5}", true));
        assertTrue(e.getMessage().startsWith("unsupported JSON Schema keyword 'minimum' at /minimum"), e.getMessage());
        GrammarException f = assertThrows(GrammarException.class,
                () -> Grammar.jsonSchema("{\"type\":\"string\",\"format\":\"ipv4\"}", true));
        assertTrue(f.getMessage().contains("'format' at /format"), f.getMessage());
        GrammarException p = assertThrows(GrammarException.class,
                () -> Grammar.jsonSchema("{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}", true));
        assertTrue(p.getMessage().contains("'pattern' at /pattern"), p.getMessage());
    }

    @Test
    void malformedSchemaTextIsAGrammarException() {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.jsonSchema("{\"type\":", true));
        assertTrue(e.getMessage().startsWith("schema JSON at offset"), e.getMessage());
        assertThrows(GrammarException.class, () -> Grammar.jsonSchema("{\"$ref\":\"#/$defs/missing\"}", true));
    }
}
