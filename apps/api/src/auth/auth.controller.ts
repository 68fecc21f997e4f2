import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { AuthService, CurrentUser, Public, ReqMeta, Roles } from '@mend/auth';
import type { RequestMeta, UserPrincipal } from '@mend/core';

import { InvitationPreviewResponse, SignedInResponse, SignUpResponse } from '../users/user.response.js';
import { AcceptInvitationRequest, LoginRequest, RefreshRequest, SignUpRequest } from './auth.request.js';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('clinics')
  @Public()
  @ApiOperation({ summary: 'Create a clinic and its first admin (rate-limited per IP)' })
  @ApiCreatedResponse({ type: SignUpResponse })
  @ApiConflictResponse({ description: 'The slug is taken' })
  @ApiTooManyRequestsResponse({ description: 'Too many sign-ups from this address; see Retry-After' })
  signUp(@Body() body: SignUpRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.signUp(body, meta);
  }

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in to a clinic with email and password' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown clinic, unknown email or wrong password (indistinguishable)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address or for this account; see Retry-After',
  })
  login(@Body() body: LoginRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.login(body, meta);
  }

  @Post('auth/refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; a reused token revokes its whole family' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or already-used refresh token' })
  refresh(@Body() body: RefreshRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.refresh(body.refreshToken, meta);
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'End this sign-in: its refresh tokens and access tokens stop working' })
  @ApiNoContentResponse()
  logout(@CurrentUser() principal: UserPrincipal) {
    return this.auth.logout(principal);
  }

  @Get('invitations/:token')
  @Public()
  @ApiOperation({ summary: 'What an invitation link is for (clinic, name, role, status)' })
  @ApiOkResponse({ type: InvitationPreviewResponse })
  preview(@Param('token') token: string) {
    return this.auth.previewInvitation(token);
  }

  @Post('invitations/:token/accept')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an invitation by choosing a password; answers a signed-in session' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiConflictResponse({ description: 'The invitation was already used' })
  @ApiGoneResponse({ description: 'The invitation expired or was replaced' })
  accept(@Param('token') token: string, @Body() body: AcceptInvitationRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.acceptInvitation(token, body.password, meta);
  }
}
