from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    DATABASE_URL: str = "sqlite:///./notes.db"
    BESTCHATBOT_SIGNING_KEY: str | None = None


settings = Settings()
