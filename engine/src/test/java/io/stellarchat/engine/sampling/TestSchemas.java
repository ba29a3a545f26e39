package io.stellarchat.engine.sampling;

import java.util.List;

/** Schemas of the shapes applications send (OpenAI structured outputs, tool parameters), for property tests. */
final class TestSchemas {
    private TestSchemas() {}

    static final List<String> ALL = List.of(
            "{\"type\":\"string\"}",
            "{\"type\":\"integer\"}",
            "{\"type\":\"number\"}",
            "{\"type\":\"boolean\"}",
            "{\"type\":[\"string\",\"null\"]}",
            "{\"enum\":[\"red\",\"green\",\"blue\"]}",
            "{\"const\":{\"ok\":true}}",
            """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}},
             "required":["name","age"],"additionalProperties":false}""",
            """
            {"type":"object","properties":{"city":{"type":"string","maxLength":12},
             "unit":{"enum":["celsius","fahrenheit"]}},"required":["city"],"additionalProperties":false}""",
            """
            {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"}}}""",
            """
            {"type":"array","items":{"type":"integer","minimum":1,"maximum":100},"minItems":2,"maxItems":5}""",
            """
            {"type":"array","items":{"type":"string","maxLength":8},"maxItems":3}""",
            """
            {"type":"array","prefixItems":[{"type":"string","maxLength":5},{"type":"boolean"}],"items":false,
             "minItems":2}""",
            """
            {"anyOf":[{"type":"integer"},{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}]}""",
            """
            {"oneOf":[{"type":"string","maxLength":4},{"type":"boolean"}]}""",
            """
            {"allOf":[{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]},
                      {"properties":{"tag":{"type":"string","maxLength":6}},"required":["tag"]}]}""",
            """
            {"$defs":{"pt":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},
             "required":["x","y"],"additionalProperties":false}},
             "type":"object","properties":{"from":{"$ref":"#/$defs/pt"},"to":{"$ref":"#/$defs/pt"}},
             "required":["from","to"]}""",
            """
            {"$defs":{"tree":{"type":"object","properties":{"v":{"type":"integer"},
             "kids":{"type":"array","items":{"$ref":"#/$defs/tree"},"maxItems":2}},"required":["v","kids"]}},
             "$ref":"#/$defs/tree"}""",
            "{\"type\":\"string\",\"minLength\":3,\"maxLength\":6}",
            "{\"type\":\"string\",\"pattern\":\"^[a-z]+-[0-9]{2,3}$\"}",
            "{\"type\":\"string\",\"pattern\":\"^(yes|no|maybe)$\"}",
            "{\"type\":\"string\",\"format\":\"date\"}",
            "{\"type\":\"string\",\"format\":\"date-time\"}",
            "{\"type\":\"string\",\"format\":\"uuid\"}",
            "{\"type\":\"string\",\"format\":\"email\"}",
            "{\"type\":\"integer\",\"minimum\":-50,\"maximum\":50}",
            "{\"type\":\"integer\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":1000}",
            "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}",
            """
            {"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],
             "additionalProperties":{"type":"integer"}}""",
            """
            {"type":"object","properties":{"title":{"type":"string","maxLength":20},
             "tags":{"type":"array","items":{"enum":["a","b","c"]},"maxItems":3},
             "meta":{"type":"object","properties":{"draft":{"type":"boolean"},"rev":{"type":"integer","minimum":0}},
                     "required":["draft"],"additionalProperties":false}},
             "required":["title","meta"],"additionalProperties":false}""",
            """
            {"type":"object","properties":{"location":{"type":"string","description":"City and country"},
             "when":{"type":"string","format":"date"},"days":{"type":"integer","minimum":1,"maximum":14}},
             "required":["location","when","days"],"additionalProperties":false}""",
            """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"object",
             "properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}[0-9]{3}$"},"qty":{"type":"integer","minimum":1,"maximum":9}},
             "required":["sku","qty"],"additionalProperties":false},"minItems":1,"maxItems":2}},
             "required":["items"],"additionalProperties":false}""",
            "{\"type\":\"object\",\"additionalProperties\":true}",
            "{}");
}
