"""The shape of reelcrew's configuration, one section per concern.

These are plain models so every layer can take the section it needs as an argument; loading them from
``reelcrew.toml`` and the environment is ``reelcrew.config``'s job. Defaults here are the documented
defaults that ``reelcrew init`` writes out; routing rules and thresholds are data, not branches in code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

Quality = Literal["draft", "standard", "premium"]
PolicyKind = Literal["rules", "llm"]


class RunSettings(BaseModel):
    quality: Quality = "standard"
    workers: int = Field(default=8, ge=1, le=256)
    seed: int = 0
    budget_usd: float | None = Field(default=None, ge=0, description="hard cap on model spend; None = no cap")
    episodes: list[int] | None = None
    width: int = Field(default=720, ge=64, description="generated clip width; 9:16 means height = width * 16 / 9")
    height: int = Field(default=1280, ge=64)
    fps: int = Field(default=24, ge=1, le=60)


class RouteWhen(BaseModel):
    """A routing rule's condition; every field given must hold."""

    shot_types: list[str] | None = None
    min_emotional_intensity: float | None = None
    has_physics_elements: bool | None = None
    cinematic_priority: bool | None = None


class RouteRule(BaseModel):
    name: str
    when: RouteWhen
    family: str


def _default_rules() -> list[RouteRule]:
    return [
        RouteRule(
            name="emotional_close_up",
            when=RouteWhen(shot_types=["CU", "ECU"], min_emotional_intensity=0.7),
            family="happyhorse",
        ),
        RouteRule(name="physics", when=RouteWhen(has_physics_elements=True), family="kling"),
        RouteRule(
            name="cinematic_establishing",
            when=RouteWhen(shot_types=["ELS", "LS"], cinematic_priority=True),
            family="veo",
        ),
    ]


def _default_tiers() -> dict[str, dict[str, str]]:
    return {
        "veo": {"draft": "veo-3.1-lite", "standard": "veo-3.1-fast", "premium": "veo-3.1"},
        "kling": {"draft": "kling-v2.5-turbo-std", "standard": "kling-v3-std", "premium": "kling-v3-pro"},
        "happyhorse": {
            "draft": "happyhorse-1.1-720p",
            "standard": "happyhorse-1.1-720p",
            "premium": "happyhorse-1.1-1080p",
        },
        "seedance": {"draft": "seedance-2.0-mini", "standard": "seedance-2.0-fast", "premium": "seedance-2.0"},
    }


class RouterSettings(BaseModel):
    """First matching rule wins; ``default_family`` takes the rest. ``tiers`` maps family × quality → model id."""

    rules: list[RouteRule] = Field(default_factory=_default_rules)
    default_family: str = "seedance"
    tiers: dict[str, dict[str, str]] = Field(default_factory=_default_tiers)
    baseline_model: str = Field(default="veo-3.1", description="what the savings figure compares against")
    overrides: dict[str, str] = Field(default_factory=dict, description="shot id → model id, pinned by the user")


class BackendSettings(BaseModel):
    """Keys come from the environment (REELCREW_BACKENDS__KLING_ACCESS_KEY …) or the config file, never from code."""

    video: Literal["auto", "previz"] = Field(
        default="auto", description="auto: a real provider where its key is set, previz otherwise"
    )
    gemini_api_key: SecretStr | None = None
    vertex_access_token: SecretStr | None = Field(
        default=None, description="Veo through Vertex AI instead of the Gemini API (gcloud auth print-access-token)"
    )
    vertex_project: str | None = None
    vertex_location: str = "us-central1"
    kling_access_key: SecretStr | None = None
    kling_secret_key: SecretStr | None = None
    ark_api_key: SecretStr | None = None
    dashscope_api_key: SecretStr | None = None
    runway_api_key: SecretStr | None = None
    fal_key: SecretStr | None = None
    replicate_api_token: SecretStr | None = None
    base_urls: dict[str, str] = Field(default_factory=dict, description="provider → base URL override")
    poll_interval_s: float = Field(default=5.0, gt=0)
    timeout_s: float = Field(default=900.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    simulate_billing: bool = Field(
        default=False, description="charge previz clips at the routed model's catalog price, to rehearse a budget"
    )
    simulation: dict[str, str] = Field(
        default_factory=dict, description="model id → previz simulation profile name (labelled simulation)"
    )


class GateSettings(BaseModel):
    embedder: Literal["offline", "open_clip"] = "offline"
    character_threshold: dict[str, float] = Field(
        default_factory=lambda: {"offline": 0.75, "open_clip": 0.82},
        description="per embedder: minimum best cosine similarity against a character's reference frames",
    )
    lighting_threshold_k: float = Field(default=900.0, description="max colour-temperature distance in kelvin")
    lighting_similarity: float | dict[str, float] = Field(
        default_factory=lambda: {"offline": 0.75, "open_clip": 0.85},
        description="min similarity to the location's approved frames; one value, or per embedder",
    )
    max_attempts: int = Field(default=3, ge=1, le=10)
    frames_per_clip: int = Field(default=3, ge=3)
    cluster_min_shots: int = Field(default=3, ge=2, description="a scene needs this many shots to count as a cluster")
    cluster_fail_fraction: float = Field(
        default=0.6, description="share of first attempts failing that means a cluster"
    )
    cluster_same_cause_fraction: float = Field(
        default=0.8, description="share of failures with one cause that means a cluster"
    )
    max_storyboard_redos: int = Field(default=1, ge=0, description="per scene")
    confirm_new_looks: bool = Field(
        default=True,
        description="a look (character, outfit, view) seen in one take only is taken again until two takes agree "
        "before it becomes the reference: a drifted first take never sets the look; false locks the first approved "
        "take as the reference system does (one generation cheaper per new look, no guard)",
    )


class EmbedderSettings(BaseModel):
    open_clip_model: str = "ViT-B-32"
    open_clip_pretrained: str = Field(default="", description="a pretrained tag or a local checkpoint path")
    random_weights: bool = Field(
        default=False,
        description="let open_clip run with no pretrained weights (random features): for timing and plumbing only, "
        "never for judging continuity",
    )
    device: str = "cpu"
    batch_size: int = 16


class AudioSettings(BaseModel):
    tts: Literal["espeak", "openai", "elevenlabs"] = "espeak"
    openai_api_key: SecretStr | None = None
    openai_tts_model: str = "gpt-4o-mini-tts"
    elevenlabs_api_key: SecretStr | None = None
    elevenlabs_model: str = "eleven_multilingual_v2"
    base_urls: dict[str, str] = Field(default_factory=dict)
    target_lufs: float = -14.0
    true_peak_dbtp: float = -1.0
    music: bool = True
    effects: bool = True
    line_pause_s: float = Field(default=0.35, description="natural pause around a line of dialogue")
    sample_rate: int = 48000


class ExportSettings(BaseModel):
    width: int = 1080
    height: int = 1920
    crf: int = Field(default=20, ge=0, le=51)
    preset: str = "veryfast"
    burn_subtitles: bool = False
    dissolve_s: float = 0.5
    fade_s: float = 1.0


class AgentLLMSettings(BaseModel):
    policy: PolicyKind = "rules"
    model: str | None = None


class LLMSettings(BaseModel):
    """Any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, llama.cpp server, LM Studio."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    temperature: float = 0.0
    max_steps: int = Field(default=8, ge=1)
    price_per_1k_input: float = 0.0
    price_per_1k_output: float = 0.0
    agents: dict[str, AgentLLMSettings] = Field(
        default_factory=dict,
        description="per agent (script, character, router, continuity, qa, audio, director): policy 'rules' or "
        '\'llm\' and an optional model, e.g. a table [llm.agents.router] with policy = "llm", model = "qwen2.5:14b"',
    )

    def for_agent(self, agent: str) -> AgentLLMSettings:
        return self.agents.get(agent, AgentLLMSettings())


class StoreSettings(BaseModel):
    """Chroma embedded inside OUT by default, or a Chroma server for a team."""

    chroma_mode: Literal["embedded", "server"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    text_embedder: Literal["hashing", "minilm"] = "hashing"


class CheckpointSettings(BaseModel):
    backend: Literal["sqlite", "postgres", "memory"] = "sqlite"
    postgres_dsn: SecretStr | None = None


class ExecutorSettings(BaseModel):
    """Where shot generations run: local async workers; a Ray cluster is the next implementation of the seam."""

    kind: Literal["local", "ray"] = Field(default="local", description="'ray' is planned, not implemented yet")
    ray_address: str | None = None

    @field_validator("kind")
    @classmethod
    def _implemented(cls, kind: str) -> str:
        """Refused when the config is read, not after the storyboard is planned and the first shot is due."""
        if kind != "local":
            raise ValueError(f"executor {kind!r} is not implemented yet; use executor.kind = 'local'")
        return kind


class Config(BaseModel):
    """Every section together: what a run is configured with. ``reelcrew.config.Settings`` loads it."""

    run: RunSettings = Field(default_factory=RunSettings)
    router: RouterSettings = Field(default_factory=RouterSettings)
    backends: BackendSettings = Field(default_factory=BackendSettings)
    gates: GateSettings = Field(default_factory=GateSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    export: ExportSettings = Field(default_factory=ExportSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    checkpoint: CheckpointSettings = Field(default_factory=CheckpointSettings)
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)

    @model_validator(mode="after")
    def _open_clip_has_weights(self) -> Config:
        """An open_clip gate with random weights passes and fails shots at random: refuse it before a run starts."""
        if (
            self.gates.embedder == "open_clip"
            and not self.embedder.open_clip_pretrained
            and not self.embedder.random_weights
        ):
            raise ValueError(
                "gates.embedder = 'open_clip' needs embedder.open_clip_pretrained: a pretrained tag already in the "
                "local open_clip cache, or a local checkpoint file (nothing is downloaded at run time); "
                "or use gates.embedder = 'offline'"
            )
        return self
