package io.flywheel.udfs;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code flywheel_*} SQL functions over {@link TextFeatures}: one per feature, and
 * {@code flywheel_text_features(text)} returning every feature as one struct (one pass per row).
 * Listed by {@link FlywheelFunctions#all}; documented in docs/functions.md.
 */
public final class TextFeatureFunctions {
  /** Type of {@code flywheel_casing_profile(text)}. */
  public static final StructType CASING_TYPE =
      StructType.fromDDL("lower DOUBLE, upper DOUBLE, title DOUBLE, mixed DOUBLE");

  /** Type of {@code flywheel_text_features(text)}: field names are the skew job's feature names. */
  public static final StructType TEXT_FEATURES_TYPE =
      StructType.fromDDL(
          "chars INT, words INT, est_tokens INT, sentences INT, non_letter_share DOUBLE,"
              + " lower_share DOUBLE, upper_share DOUBLE, title_share DOUBLE, mixed_share DOUBLE,"
              + " oov_rate DOUBLE, fragments INT, fragment_share DOUBLE, is_valid_json BOOLEAN,"
              + " json_shape STRING, json_keys ARRAY<STRING>, is_valid_xml BOOLEAN, language STRING,"
              + " has_pii BOOLEAN, is_empty BOOLEAN");

  private TextFeatureFunctions() {}

  /** One function per feature and {@code flywheel_text_features}, as docs/functions.md lists them. */
  public static List<SqlFunction> functions() {
    String nullNull = " NULL for NULL.";
    return List.of(
        f("flywheel_char_count", TextFeatures::charCount, DataTypes.IntegerType,
            "Length of the text in Unicode code points (an emoji is 1)." + nullNull,
            "_FUNC_('caf\u00e9 \u2615')", "6"),
        f("flywheel_word_count", TextFeatures::wordCount, DataTypes.IntegerType,
            "Word tokens: runs of letters or digits; each CJK character is a word." + nullNull,
            "_FUNC_('Steel kettle, 1.7 l')", "5"),
        f("flywheel_token_estimate", TextFeatures::estimatedTokens, DataTypes.IntegerType,
            "Estimated model tokens: ceil(non-CJK code points / 4) + CJK characters." + nullNull,
            "_FUNC_('Steel kettle')", "3"),
        f("flywheel_sentence_count", TextFeatures::sentenceCount, DataTypes.IntegerType,
            "Sentences: a terminator followed by a space, a CJK terminator, or a line break ends one." + nullNull,
            "_FUNC_('It boils. It pours well!')", "2"),
        f("flywheel_non_letter_share", TextFeatures::nonLetterShare, DataTypes.DoubleType,
            "Share of the non-whitespace code points that are not letters; NULL when there are none." + nullNull,
            "_FUNC_('ab 12')", "0.5"),
        f("flywheel_casing_profile", TextFeatureFunctions::casingRow, CASING_TYPE,
            "Shares of the words with cased letters that are lower case, upper case, title case and mixed;"
                + " NULL when no word has a cased letter." + nullNull,
            "_FUNC_('HELLO World')", "{0.0, 0.5, 0.5, 0.0}"),
        f("flywheel_oov_rate", TextFeatures::oovRate, DataTypes.DoubleType,
            "Share of the letter-only words missing from the English word list shipped with Flywheel." + nullNull,
            "_FUNC_('the kettel')", "0.5"),
        f("flywheel_fragment_count", TextFeatures::fragmentCount, DataTypes.IntegerType,
            "Sentences under 3 words or without a verb-like token; English or undetermined text only, else NULL."
                + nullNull,
            "_FUNC_('Great kettle. The kettle is quiet and fast.')", "1"),
        f("flywheel_fragment_share", TextFeatures::fragmentShare, DataTypes.DoubleType,
            "Fragments / sentences (see `flywheel_fragment_count`); NULL when there is no sentence." + nullNull,
            "_FUNC_('Great kettle. The kettle is quiet and fast.')", "0.5"),
        f("flywheel_is_valid_json", TextFeatures::isValidJson, DataTypes.BooleanType,
            "Whether the whole text is one strict JSON value." + nullNull,
            "_FUNC_('{\"a\": 1}')", "true"),
        f("flywheel_json_shape", TextFeatures::jsonShape, DataTypes.StringType,
            "`object`, `list`, `scalar` or `invalid`: what the text is as JSON." + nullNull,
            "_FUNC_('[1, 2]')", "list"),
        f("flywheel_json_keys", (UDF1<String, Seq<String>>) s -> seq(TextFeatures.jsonKeys(s)),
            DataTypes.createArrayType(DataTypes.StringType),
            "Sorted top-level keys of a JSON object; NULL when the text is not a JSON object." + nullNull,
            "_FUNC_('{\"b\": 1, \"a\": 2}')", "[a, b]"),
        f("flywheel_is_valid_xml", TextFeatures::isValidXml, DataTypes.BooleanType,
            "Whether the text is a well-formed XML document (external entities and DTDs are never loaded)."
                + nullNull,
            "_FUNC_('<a><b/></a>')", "true"),
        f("flywheel_language", TextFeatures::language, DataTypes.StringType,
            "Same as `flywheel_detect_language`, except NULL for NULL.",
            "_FUNC_('Der Wasserkocher ist sehr gut und leise')", "de"),
        f("flywheel_has_pii", TextFeatures::hasPii, DataTypes.BooleanType,
            "Whether `flywheel_pii_kinds` finds any PII." + nullNull,
            "_FUNC_('call +1 415 555 0100')", "true"),
        f("flywheel_is_empty", (UDF1<String, Boolean>) TextFeatures::isEmpty, DataTypes.BooleanType,
            "Whether the text is NULL, empty or whitespace only (true for NULL).",
            "_FUNC_('  ')", "true"),
        f("flywheel_text_features", TextFeatureFunctions::featuresRow, TEXT_FEATURES_TYPE,
            "Every feature above in one pass, as a struct: `chars, words, est_tokens, sentences,"
                + " non_letter_share, lower_share, upper_share, title_share, mixed_share, oov_rate, fragments,"
                + " fragment_share, is_valid_json, json_shape, json_keys, is_valid_xml, language, has_pii, is_empty`.",
            "_FUNC_('Hi there.').words", "2"));
  }

  private static SqlFunction f(String name, UDF1<String, ?> udf, DataType type, String description,
      String example, String result) {
    return new SqlFunction(name, TextFeatures.class, org.apache.spark.sql.functions.udf(udf, type), type, "text",
        "the text (STRING)", description, example, result, "string_funcs", "skew.md#features", "");
  }

  /** {@link TextFeatures#of} as a row of {@link #TEXT_FEATURES_TYPE}. */
  public static Row featuresRow(String text) {
    TextFeatures.Profile p = TextFeatures.of(text);
    return RowFactory.create(
        p.chars(), p.words(), p.estimatedTokens(), p.sentences(), p.nonLetterShare(),
        p.lowerShare(), p.upperShare(), p.titleShare(), p.mixedShare(), p.oovRate(),
        p.fragments(), p.fragmentShare(), p.validJson(), p.jsonShape(), seq(p.jsonKeys()),
        p.validXml(), p.language(), p.hasPii(), p.empty());
  }

  static Row casingRow(String text) {
    TextFeatures.Casing c = TextFeatures.casingProfile(text);
    return c == null ? null : RowFactory.create(c.lower(), c.upper(), c.title(), c.mixed());
  }

  private static Seq<String> seq(List<String> list) {
    return list == null ? null : CollectionConverters.asScala(list).toSeq();
  }
}
