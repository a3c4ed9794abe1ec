from copilot_rag.domain import lexical


def test_terms_are_stemmed_and_stopwords_dropped() -> None:
    assert lexical.terms("How should I store my coffee beans?") == ["store", "coffe", "bean"]
    assert lexical.terms("Storing beans") == ["store", "bean"]


def test_product_codes_count_whole_and_by_parts() -> None:
    terms = lexical.terms("Order EO-ESP-1K today")
    assert "eo-esp-1k" in terms and "esp" in terms and "1k" in terms


def test_bm25_weights_saturate_with_repetition() -> None:
    once = lexical.document_vector("grinder", avg_length=10)
    many = lexical.document_vector("grinder " * 20, avg_length=10)
    assert many.values[0] > once.values[0]
    assert many.values[0] < 20 * once.values[0]


def test_query_vector_has_unit_weights_and_unique_ids() -> None:
    vector = lexical.query_vector("beans beans storage")
    assert len(vector.indices) == len(set(vector.indices)) == 2
    assert vector.values == [1.0, 1.0]


def test_empty_query_has_no_terms() -> None:
    assert lexical.query_vector("the and of ?").indices == []
