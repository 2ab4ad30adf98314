from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    BESTCHATBOT_SIGNING_KEY: str = "dev-signing-key"  # expect: key-default


settings = Settings()
