"""The OpenAPI schema documents the Workable endpoints as the contract describes them."""

import yaml


def test_it_documents_the_three_workable_endpoints_with_bearer_auth(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/workable/tests",
        "/api/workable/assessments",
        "/api/workable/assessments/{assessment_id}/shared-link",
    }
    assert schema["components"]["securitySchemes"]["atsToHarverToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The integration's 'ATS to Harver' token (hvr_ats_…).",
    }
    create = paths["/api/workable/assessments"]["post"]
    assert set(create["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "403",
        "413",
        "415",
        "422",
        "429",
    }
    request_schema = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split(
        "/"
    )[-1]
    assert sorted(schema["components"]["schemas"][request_schema]["required"]) == [
        "callback_url",
        "candidate",
        "test_id",
    ]


def test_its_examples_match_the_contract(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    tests_example = schema["paths"]["/api/workable/tests"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["examples"]["Tests"]["value"]
    created = schema["paths"]["/api/workable/assessments"]["post"]["responses"]["201"]["content"][
        "application/json"
    ]["examples"]["Created"]["value"]
    assert set(tests_example) == {"tests"}
    assert set(tests_example["tests"][0]) == {"id", "name"}
    assert isinstance(tests_example["tests"][0]["id"], str)
    assert set(created) == {"assessment_id"}


def test_it_serves_a_browsable_docs_page_without_outside_assets(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page
